//! "Forgot your username?" on moto (its `ListUsers` filter and its SES): the one account's
//! username goes to its verified address; every address gets the same answer.

use std::time::{Duration, Instant};

use crate::{
    common::*,
    notify::{verified_sender, wait_for},
};

#[tokio::test]
async fn the_username_goes_to_its_verified_address_and_everyone_gets_the_same_answer() {
    let sender = verified_sender().await;
    let from = format!("Accounts <{sender}>");
    let app = spawn_app_with(
        false,
        &[
            ("FORGOT_USERNAME", "true"),
            ("NOTIFY_FROM", &from),
            ("RESET_MIN_RESPONSE_MS", "300"),
        ],
    )
    .await;
    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;
    let address = format!("{user}@example.com");
    assert!(
        app.page("/sign-in").await.contains("/sign-in/username"),
        "offered"
    );

    let mut took = vec![];
    for typed in [address.to_uppercase(), format!("nobody{user}@example.com")] {
        let started = Instant::now();
        let r = app.call("sign-in/username", &[("email", &typed)]).await;
        took.push(started.elapsed());
        assert_eq!(location(&r), "/sign-in", "{typed}");
        let page = app.page("/sign-in").await;
        assert!(
            page.contains("we&#x27;ve sent its username") || page.contains("sent its username"),
            "{page}"
        );
    }
    assert!(
        took.iter().all(|t| *t >= Duration::from_millis(300)),
        "{took:?}"
    );
    let sent = wait_for(&address, 1).await;
    assert!(
        sent[0]["body"].as_str().unwrap().contains(&user),
        "{sent:?}"
    );

    // A typo: said next to the field, what was typed kept.
    let r = app
        .post_form(
            "/sign-in/username",
            "sign-in/username",
            &[("email", "jane.example.com")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let page = app.page("/sign-in/username").await;
    assert!(
        page.contains("Enter an email address") && page.contains("value=\"jane.example.com\""),
        "{page}"
    );
}
