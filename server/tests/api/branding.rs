//! Operator branding without forking: product name, logo, primary colour (held to AA
//! contrast) and support link, all from settings.

use crate::common::*;
use app::branding::Rgb;

#[tokio::test]
async fn a_branded_page_shows_name_logo_colour_and_support_link() {
    let logo = std::env::temp_dir().join(format!("logo-{}.svg", rand::random::<u32>()));
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#fc0"/></svg>"##;
    std::fs::write(&logo, svg).unwrap();
    let logo_path = logo.to_string_lossy().to_string();
    let app = spawn_app_with(
        false,
        &[
            ("PRODUCT_NAME", "Acme Help"),
            ("BRAND_LOGO", &logo_path),
            ("BRAND_COLOR", "#ffcc00"),
            ("SUPPORT_URL", "https://help.acme.example/"),
        ],
    )
    .await;
    let html = app.page("/reset").await;
    assert!(
        html.contains("Forgot password · Acme Help</title>"),
        "name in the title"
    );
    let header = html
        .split("<header")
        .nth(1)
        .unwrap_or("")
        .split("</header>")
        .next()
        .unwrap_or("");
    assert!(
        header.contains("src=\"/brand/logo.svg\"") && header.contains("alt=\"\""),
        "logo in the header: {header}"
    );
    assert!(html.contains("Acme Help</a>"), "name in the header");
    assert!(
        html.contains("<link rel=\"stylesheet\" href=\"/brand.css\">"),
        "colour stylesheet"
    );
    assert!(
        html.contains("href=\"https://help.acme.example/\""),
        "support link"
    );

    let r = app.get("/brand/logo.svg").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert_eq!(r.text().await.unwrap(), svg);

    let css = app.get("/brand.css").await.text().await.unwrap();
    let light = css
        .split("--primary:")
        .nth(1)
        .and_then(|v| v.get(..7))
        .and_then(Rgb::parse)
        .expect("a primary colour");
    assert_ne!(
        light,
        Rgb(0xff, 0xcc, 0x00),
        "#ffcc00 on white is unreadable: adjusted"
    );
    assert!(
        light.contrast(Rgb(255, 255, 255)) >= 4.5,
        "AA on white: {css}"
    );
    let dark = css
        .split("--primary:")
        .nth(2)
        .and_then(|v| v.get(..7))
        .and_then(Rgb::parse)
        .expect("a dark-theme colour");
    assert!(
        dark.contrast(Rgb(0x1c, 0x21, 0x26)) >= 4.5,
        "AA on the dark card: {css}"
    );
    let _ = std::fs::remove_file(&logo);
}

#[tokio::test]
async fn a_logo_url_is_allowed_by_the_csp_and_nothing_is_linked_without_settings() {
    let app = spawn_app_with(
        false,
        &[("BRAND_LOGO", "https://cdn.acme.example/logo.png")],
    )
    .await;
    let r = app.get("/reset").await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("img-src 'self' data: https://cdn.acme.example;"),
        "{csp}"
    );
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("src=\"https://cdn.acme.example/logo.png\""));

    let plain = spawn_app(false).await;
    let html = plain.page("/reset").await;
    assert!(!html.contains("/brand.css") && !html.contains("class=\"logo\""));
    assert_eq!(plain.get("/brand.css").await.status(), 404);
}

#[tokio::test]
async fn after_a_success_the_user_continues_to_the_operators_app_or_an_allowed_return_to() {
    let app = spawn_app_with(
        false,
        &[
            ("APP_URL", "https://app.example.com/home"),
            ("APP_NAME", "Example Corp"),
            ("RETURN_TO_ORIGINS", "https://shop.example.com"),
        ],
    )
    .await;
    // A return_to off the list is not kept (and keeps nothing on the server either).
    let r = app
        .get("/reset?return_to=https%3A%2F%2Fshop.example.com.evil.example%2F")
        .await;
    assert!(r.headers().get("set-cookie").is_none(), "{:?}", r.headers());
    // Signing out is a success with its notice: "Continue to" the app's own address.
    let r = app.post_form("/account", "sign-out", &[]).await;
    assert_eq!(location(&r), "/sign-in");
    let page = app.page("/sign-in").await;
    assert!(
        page.contains("Continue to \u{2068}Example Corp\u{2069}"),
        "{page}"
    );
    assert!(
        page.contains("href=\"https://app.example.com/home\""),
        "{page}"
    );
    // An allowed return_to arrives with the first page, in a cookie of its own, and is where
    // "Continue to" leads after the next success.
    let r = app
        .get("/reset?return_to=https%3A%2F%2Fshop.example.com%2Fcart%3Fitem%3D7")
        .await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("return_to=https%3A%2F%2Fshop.example.com%2Fcart"),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    app.post_form("/account", "sign-out", &[]).await;
    let page = app.page("/sign-in").await;
    assert!(
        page.contains("href=\"https://shop.example.com/cart?item=7\""),
        "{page}"
    );
    // Without a notice there is nothing to continue from.
    let page = app.page("/sign-in").await;
    assert!(!page.contains("Continue to"), "{page}");
}
