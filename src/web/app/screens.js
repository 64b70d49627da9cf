// The screens beyond home, channels and notifications, by route
// (router.js lists them all). One folder per screen.

import { Directory, DepartmentPage, PersonPage } from "./directory/index.js";
import { Round, CheckinPage } from "./round/index.js";
import { Posts, PostPage, Review } from "./posts/index.js";
import { Analytics } from "./analytics/index.js";
import { Search } from "./search/index.js";

/** @type {[string, (props: any) => any][]} */
export const SCREENS = [
  ["/directory", Directory],
  ["/departments/:slug", DepartmentPage],
  ["/people/:handle", PersonPage],
  ["/round", Round],
  ["/round/checkins/:id", CheckinPage],
  ["/round/:department", Round],
  ["/posts", Posts],
  ["/posts/:id", PostPage],
  ["/review", Review],
  ["/analytics", Analytics],
  ["/search", Search],
];
