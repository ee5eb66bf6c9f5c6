//! Languages: chosen from the `lang` cookie, else `Accept-Language`; the switcher; `<html lang
//! dir>`; errors and the server's own pages in the reader's language.

use crate::common::*;

async fn get_in(app: &TestApp, path: &str, accept_language: &str) -> String {
    app.client
        .get(format!("{}{path}", app.base))
        .header("Accept", "text/html")
        .header("Accept-Language", accept_language)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_page_speaks_the_browsers_language_and_sets_lang_and_dir() {
    let app = spawn_app(false).await;
    for (accept, lang, dir, heading) in [
        (
            "ja-JP,ja;q=0.9,en;q=0.5",
            "ja",
            "ltr",
            "パスワードをお忘れですか？",
        ),
        ("ar", "ar", "rtl", "هل نسيت كلمة المرور؟"),
        ("zh-TW,zh;q=0.8", "zh-Hant", "ltr", "忘記密碼了嗎？"),
        ("zh-CN", "zh-Hans", "ltr", "忘记密码了？"),
        ("pt-BR", "pt-BR", "ltr", "Esqueceu a senha?"),
        ("hi-IN,hi", "hi", "ltr", "पासवर्ड भूल गए?"),
        ("sw-KE", "en", "ltr", "Forgot your password?"),
        ("", "en", "ltr", "Forgot your password?"),
    ] {
        let html = get_in(&app.fresh(), "/reset", accept).await;
        let tag = format!("<html lang=\"{lang}\" dir=\"{dir}\"");
        assert!(
            html.contains(&tag),
            "{accept}: want {tag} in {}",
            &html[..300.min(html.len())]
        );
        assert!(html.contains(heading), "{accept}: {heading}");
    }
}

#[tokio::test]
async fn the_switcher_keeps_the_choice_in_a_cookie_and_comes_back() {
    let app = spawn_app(false).await;
    let html = get_in(&app, "/sign-in", "en").await;
    assert!(
        html.contains("href=\"/language/fr?back=/sign-in\""),
        "a plain link per language"
    );
    assert!(html.contains(">Français<") && html.contains(">العربية<") && html.contains(">日本語<"));

    let r = app.get("/language/fr?back=/sign-in").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/sign-in");
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for part in ["lang=fr", "Path=/", "SameSite=Lax", "HttpOnly", "Max-Age="] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    // The cookie wins over Accept-Language.
    let html = get_in(&app, "/sign-in", "de").await;
    assert!(html.contains("<html lang=\"fr\""), "cookie first");
    assert!(html.contains("Mot de passe oublié ?"));

    for bad in [
        "//evil.example/x",
        "https://evil.example",
        "evil",
        "/\\evil.example",
    ] {
        let r = app.get(&format!("/language/de?back={bad}")).await;
        assert_eq!(location(&r), "/", "no open redirect via {bad}");
    }
    // An unknown language: the app's own page (styled, in the reader's language), not a
    // bare line of text.
    let r = app.get("/language/xx?back=/sign-in").await;
    assert_eq!(r.status(), 404);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("<html"), "{page}");
    assert!(page.contains("href=\"/sign-in\""), "a way back: {page}");
}

#[tokio::test]
async fn errors_are_shown_in_the_readers_language() {
    let app = spawn_app(false).await;
    // JavaScript off: the flashed error is rendered by the server in Spanish.
    let r = app
        .client
        .post(format!("{}/api/reset/request", app.base))
        .header("Accept", "text/html")
        .header("Accept-Language", "es-ES,es;q=0.9")
        .header("Origin", &app.base)
        .form(&[("username", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = get_in(&app, "/reset", "es-ES,es;q=0.9").await;
    assert!(html.contains("Escribe tu nombre de usuario."), "{html}");

    // The server's own pages too (a CSRF refusal, in German).
    let r = client()
        .post(format!("{}/api/reset/request", app.base))
        .header("Accept", "text/html")
        .header("Accept-Language", "de")
        .header("Origin", "https://evil.example")
        .form(&[("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\" dir=\"ltr\">"));
    assert!(html.contains("Diese Anfrage wurde abgelehnt"), "{html}");
    assert!(html.contains(">Zurück<"));
}

#[tokio::test]
async fn a_rate_limit_page_counts_in_the_readers_language() {
    let app = spawn_app_with(false, &[("RATE_LIMIT_USER", "1/10m")]).await;
    let post = |lang: &'static str| {
        client()
            .post(format!("{}/api/reset/request", app.base))
            .header("Accept", "text/html")
            .header("Accept-Language", lang)
            .header("Origin", &app.base)
            .form(&[("username", "someone")])
            .send()
    };
    assert_eq!(post("ar").await.unwrap().status(), 303);
    let r = post("ar").await.unwrap();
    assert_eq!(r.status(), 429);
    let html = r.text().await.unwrap();
    assert!(html.contains("dir=\"rtl\""));
    assert!(
        html.contains("10 دقائق"),
        "Arabic plural for 10 minutes: {html}"
    );
    let r = post("ja").await.unwrap();
    assert!(r.text().await.unwrap().contains("10 分待って"));
}
