// Guest posts and review: /posts (your posts and a new draft), /posts/:id
// (one post: edit, submit, review, publish) and /review (the comms team's
// queue). screens.js routes to these exports.

import "./i18n.js";

export { Posts } from "./list.js";
export { PostPage } from "./post.js";
export { Review } from "./review.js";
