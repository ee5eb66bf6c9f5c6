//! Languages: chosen from the `lang` cookie, else `Accept-Language`; the switcher; `<html lang
//! dir>`; errors and the server's own pages in the reader's language.

use crate::common::*;
use serde_json::json;

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
        // The second right-to-left language; old and macro-language codes; a region the app
        // does not name falls back to its language; q-values order the rest.
        ("he-IL", "he", "rtl", "שכחתם את הסיסמה?"),
        ("iw", "he", "rtl", "שכחתם את הסיסמה?"),
        ("nb-NO,nb;q=0.9", "nb", "ltr", "Glemt passordet?"),
        ("no", "nb", "ltr", "Glemt passordet?"),
        ("nl-BE", "nl", "ltr", "Wachtwoord vergeten?"),
        ("pt-PT", "pt-BR", "ltr", "Esqueceu a senha?"),
        ("zh-HK", "zh-Hant", "ltr", "忘記密碼了嗎？"),
        ("xx;q=1, uk;q=0.3, ru;q=0.9", "ru", "ltr", "Забыли пароль?"),
        ("sw, th;q=0.5", "th", "ltr", "ลืมรหัสผ่าน?"),
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

/// The user's Cognito `locale` attribute (in the ID token) becomes the page's language after
/// sign-in, unless this browser chose one with the switcher; an attribute the app does not
/// speak changes nothing.
#[tokio::test]
async fn a_sign_in_adopts_the_users_locale_unless_the_browser_chose_one() {
    let app = spawn_app(false).await;
    let password = "Corr3ct-Horse!";
    let user_with = |locale: &'static str| {
        let pool = app.pool.clone();
        async move {
            let user = random_user();
            confirmed_user(&pool, &user, password).await;
            moto_call(
                "AdminUpdateUserAttributes",
                json!({"UserPoolId": pool.id, "Username": user,
                       "UserAttributes": [{"Name": "locale", "Value": locale}]}),
            )
            .await;
            user
        }
    };
    let sign_in = |app: &TestApp, user: String| {
        let app = app.fresh();
        async move {
            let r = app
                .call("sign-in", &[("username", &user), ("password", password)])
                .await;
            assert_eq!(location(&r), "/account");
            let cookies: Vec<String> = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect();
            (app, cookies)
        }
    };

    // `uk_UA` (Cognito's attribute is free text): Ukrainian from now on, whatever the browser
    // asks for.
    let (signed_in, cookies) = sign_in(&app, user_with("uk_UA").await).await;
    let lang = cookies
        .iter()
        .find(|c| c.starts_with("lang="))
        .expect("a lang cookie");
    for part in ["lang=uk;", "Path=/", "SameSite=Lax", "HttpOnly"] {
        assert!(lang.contains(part), "{part} in {lang}");
    }
    let html = get_in(&signed_in, "/account", "en").await;
    assert!(
        html.contains("<html lang=\"uk\" dir=\"ltr\""),
        "{}",
        &html[..300]
    );
    assert!(
        html.contains("Ваш обліковий запис"),
        "the account page in Ukrainian"
    );

    // The switcher's choice stays.
    let chooser = app.fresh();
    chooser.get("/language/de?back=/sign-in").await;
    let user = user_with("he").await;
    let r = chooser
        .call("sign-in", &[("username", &user), ("password", password)])
        .await;
    assert_eq!(location(&r), "/account");
    assert!(r
        .headers()
        .get_all("set-cookie")
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("lang=")));
    assert!(get_in(&chooser, "/account", "en")
        .await
        .contains("<html lang=\"de\""));

    // A language the app does not have: nothing set, the browser's language stays.
    let (_, cookies) = sign_in(&app, user_with("sw-KE").await).await;
    assert!(
        cookies.iter().all(|c| !c.starts_with("lang=")),
        "{cookies:?}"
    );
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
