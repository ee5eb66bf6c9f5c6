//! Everything the browser runs: the islands. Every page is server-rendered HTML and every form
//! posts the way it does without JavaScript (post/redirect/get); these only enhance what is on
//! the page: show/hide on password fields, the live checklist, countdowns, the copy button and
//! the error summary's link to its field. The WASM holds these and nothing else.
//!
//! **Islands take no props.** Leptos sends an island's props as JSON, and the JSON decoder was
//! the largest part of the WASM. Instead:
//! - the server renders an island with what it needs (words in the page's language, ids),
//!   given by its wrapper in `components` as context ([`given`]); in the browser there is none,
//!   and none is needed for what is already on the page: hydration keeps the server's text and
//!   attributes as they are, so no locale's strings are compiled into the WASM;
//! - what the browser does need (a number of seconds, the next wording, a rule) the server
//!   writes into `data-*` attributes of the island's root, which the browser reads before the
//!   island hydrates ([`kept`]: hydration writes an island's `data-*` attributes from what the
//!   browser's code holds, so it must hold the same). Such an island has an id of its own
//!   (one per page).
//!
//! [`when_live`] sets `data-live="true"` on an island's root once it runs (what the browser
//! tests wait for).
//!
//! An island's structure therefore never depends on what it is given: optional parts of a
//! field (its error message) stay outside the island, in plain server HTML.

use leptos::{prelude::*, wasm_bindgen::JsCast, web_sys};

use crate::{paths::field, policy::Rule};

/// What the server gave this island to render (`Default` in the browser, where the page
/// already shows it: the browser's code does not even look for it).
fn given<T: Clone + Default + Send + Sync + 'static>() -> T {
    #[cfg(feature = "ssr")]
    return use_context::<T>().unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    T::default()
}

/// Once the island is live in the browser: `start`, then its root gets `data-live`. Never runs on
/// the server. (One effect type for every island, and no node refs: each distinct signal or
/// effect type is code in the WASM.)
fn when_live(start: impl FnOnce() + 'static) -> RwSignal<bool> {
    live_after(Box::new(start))
}

fn live_after(start: Box<dyn FnOnce()>) -> RwSignal<bool> {
    let live = RwSignal::new(false);
    let start = std::cell::Cell::new(Some(start));
    Effect::new(move |_| {
        if let Some(start) = start.take() {
            untrack(start);
            live.set(true);
        }
    });
    live
}

/// `data-live` for an island's root.
fn marker(live: RwSignal<bool>) -> impl Fn() -> Option<&'static str> + Send + Sync + Clone {
    move || live.get().then_some("true")
}

/// The attribute `name` of `el` ("" when it has none).
fn data(el: &web_sys::Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

/// The attribute `name` of the element an event came to ("" when it has none).
fn own(ev: &web_sys::Event, name: &str) -> String {
    let el = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    el.map(|el| data(&el, name)).unwrap_or_default()
}

/// The `data-*` attribute `name` of the island whose root is `id`: on the server `value` (which
/// it writes); in the browser what the page says, read before the island hydrates.
fn kept(id: &str, name: &str, value: String) -> String {
    if cfg!(feature = "ssr") {
        return value;
    }
    by_id::<web_sys::Element>(id)
        .map(|el| data(&el, name))
        .unwrap_or_default()
}

/// The element with `id`, as `T`.
fn by_id<T: JsCast>(id: &str) -> Option<T> {
    document().get_element_by_id(id)?.dyn_into().ok()
}

/// Counts `left` down by one a second to zero, then calls `at_zero`.
fn count_down(left: RwSignal<u32>, at_zero: impl Fn() + 'static) {
    if left.get_untracked() == 0 {
        return;
    }
    let _ = set_interval_with_handle(
        move || {
            let n = left.get_untracked();
            if n > 0 {
                left.set(n - 1);
                if n == 1 {
                    at_zero();
                }
            }
        },
        std::time::Duration::from_secs(1),
    );
}

/// What a countdown says, for every second: runs of `(from, text)`, where `{n}` in a text stands
/// for the number. The server writes the runs from the page's translations (plural forms
/// included), so the browser needs no plural rules and no locale data.
pub type Runs = Vec<(u32, String)>;

/// The placeholder for the number in [`Runs`].
pub const N: &str = "{n}";

/// The text of `runs` at `n` seconds (`clock`: as minutes and seconds, `1:05`).
pub fn text_at(runs: &[(u32, String)], n: u32, clock: bool) -> String {
    let number = if clock {
        crate::components::mm_ss(n)
    } else {
        n.to_string()
    };
    runs.iter()
        .rev()
        .find(|(from, _)| *from <= n)
        .or(runs.first())
        .map(|(_, t)| t.replacen(N, &number, 1))
        .unwrap_or_default()
}

/// [`Runs`] as the page carries them in `data-runs`: a line per run, `from` and its text.
pub fn runs_to_data(runs: &[(u32, String)]) -> String {
    let lines: Vec<String> = runs.iter().map(|(n, t)| format!("{n} {t}")).collect();
    lines.join("\n")
}

/// [`Runs`] read back from [`runs_to_data`] (lines that are not a run are skipped).
pub fn runs_from_data(data: &str) -> Runs {
    data.lines()
        .filter_map(|line| {
            let (n, text) = line.split_once(' ')?;
            Some((n.parse().ok()?, text.to_string()))
        })
        .collect()
}

/// What the show/hide toggle of a password field shows.
#[derive(Clone, Debug, Default)]
pub struct ToggleText {
    /// The id of the password input.
    pub input: String,
    /// The toggle's word ("Show").
    pub show: String,
    /// The field's label, read after it by screen readers ("Show Password").
    pub label: String,
}

/// The show/hide toggle of a password field (offered only once live: it needs JavaScript). A
/// toggle button: its name stays, `aria-pressed` says whether the password is shown.
#[island]
pub fn ShowToggle() -> impl IntoView {
    let ToggleText { input, show, label } = given();
    let shown = RwSignal::new(false);
    let live = when_live(|| {});
    let on_click = move |ev: leptos::ev::MouseEvent| {
        shown.update(|s| *s = !*s);
        if let Some(input) = by_id::<web_sys::Element>(&own(&ev, "aria-controls")) {
            let kind = if shown.get_untracked() {
                "text"
            } else {
                "password"
            };
            let _ = input.set_attribute("type", kind);
        }
    };
    view! {
        <button
            type="button"
            class="toggle"
            hidden=move || !live.get()
            aria-pressed=move || if shown.get() { "true" } else { "false" }
            aria-controls=input
            data-live=marker(live)
            on:click=on_click
        >
            {show}
            <span class="visually-hidden">{label}</span>
        </button>
    }
}

/// The id of the new-password checklist (one per page: the new password's field refers to it).
pub const CHECKLIST_ID: &str = "password-rules";

/// What the new-password checklist shows.
#[derive(Clone, Debug, Default)]
pub struct ChecklistText {
    pub title: String,
    /// Each rule with its label.
    pub rules: Vec<(Rule, String)>,
    /// Read out after a met rule ("done").
    pub done: String,
}

/// The new password's rules, ticked off as the user types in the new-password field.
#[island]
pub fn PasswordChecklist() -> impl IntoView {
    let ChecklistText { title, rules, done } = given();
    // The browser needs the rules (not their labels: they are on the page).
    let codes: Vec<String> = rules.iter().map(|(r, _)| r.code()).collect();
    let codes = kept(CHECKLIST_ID, "data-rules", codes.join(" "));
    let mut labels = rules.into_iter().map(|(_, label)| label);
    let rules: Vec<(Rule, String)> = codes
        .split(' ')
        .filter_map(Rule::from_code)
        .map(|r| (r, labels.next().unwrap_or_default()))
        .collect();
    let password = RwSignal::new(String::new());
    let live = when_live(move || {
        let on_input = move |ev: leptos::ev::Event| {
            let target = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            if target.is_some_and(|t| t.id() == field::NEW_PASSWORD) {
                password.set(event_target_value(&ev));
            }
        };
        // The listener lives as long as the page.
        let _ = window_event_listener(leptos::ev::input, on_input);
    });
    let items = rules
        .into_iter()
        .map(|(rule, label)| {
            let met = move || rule.is_met(&password.get());
            view! {
                <li
                    class=move || if met() { "rule met" } else { "rule" }
                    data-met=move || if met() { "true" } else { "false" }
                >
                    <span class="mark" aria-hidden="true">{move || if met() { "✓" } else { "•" }}</span>
                    {label}
                    <span class="visually-hidden" hidden=move || !met()>{done.clone()}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="checklist" id=CHECKLIST_ID data-rules=codes
            data-live=marker(live)>
            <p class="checklist-title">{title}</p>
            <ul>{items}</ul>
        </div>
    }
}

/// What "Resend code" shows.
#[derive(Clone, Debug, Default)]
pub struct ResendText {
    /// Seconds until another code may be asked for.
    pub seconds: u32,
    /// The status for every second (see [`Runs`]).
    pub runs: Runs,
    /// The button's label.
    pub label: String,
    /// Where the form posts.
    pub action: String,
}

/// "Resend code": the time until another code may be asked for, counted down, and the button,
/// which waits for it once live (without JavaScript the server says how long to wait).
#[island]
pub fn ResendCountdown() -> impl IntoView {
    let ResendText {
        seconds,
        runs,
        label,
        action,
    } = given();
    let runs = kept(RESEND_ID, "data-runs", runs_to_data(&runs));
    let seconds = kept(RESEND_ID, "data-seconds", seconds.to_string());
    let left = RwSignal::new(seconds.parse().unwrap_or(0));
    let live = when_live(move || count_down(left, || {}));
    let text = {
        let runs = runs_from_data(&runs);
        move || text_at(&runs, left.get(), false)
    };
    view! {
        <div class="resend" id=RESEND_ID data-seconds=seconds data-runs=runs
            data-live=marker(live)>
            <p id="resend-status" aria-live="polite">
                {text}
            </p>
            <form method="post" action=action class="inline-form">
                <button type="submit" class="secondary" id="resend" disabled=move || live.get() && left.get() != 0>
                    {label}
                </button>
            </form>
        </div>
    }
}

/// The id of "Resend code" (one per page).
pub const RESEND_ID: &str = "resend-code";

/// What a step's timer shows.
#[derive(Clone, Debug, Default)]
pub struct TimerText {
    /// Seconds left on the step.
    pub seconds: u32,
    /// The text, `{n}` standing for the time left (`1:05`).
    pub text: String,
}

/// The time left on a step, counted down; when it runs out in an open tab the page loads again
/// and the server says what happened.
#[island]
pub fn StepTimer() -> impl IntoView {
    let TimerText { seconds, text } = given();
    let text = kept(TIMER_ID, "data-text", text);
    let seconds = kept(TIMER_ID, "data-seconds", seconds.to_string());
    let left = RwSignal::new(seconds.parse().unwrap_or(0));
    let live = when_live(move || {
        count_down(left, || {
            let _ = window().location().reload();
        })
    });
    let runs = vec![(0, text.clone())];
    view! {
        <p class="timer" id=TIMER_ID aria-live="off" data-seconds=seconds data-text=text
            data-live=marker(live)>
            {move || text_at(&runs, left.get(), true)}
        </p>
    }
}

/// The id of a step's timer (one per page).
pub const TIMER_ID: &str = "time-left";

/// What the copy button says.
#[derive(Clone, Debug, Default)]
pub struct CopyText {
    pub copy: String,
    /// After a copy.
    pub copied: String,
}

/// The button that copies the authenticator key shown in `#totp-key` (offered once live).
#[island]
pub fn CopyKey() -> impl IntoView {
    let CopyText { copy, copied } = given();
    let copied = kept(COPY_ID, "data-copied", copied);
    let after = copied.clone();
    let live = when_live(|| {});
    // What the button says after a copy ("" before).
    let said = RwSignal::new(String::new());
    let on_click = move |_| {
        let key = by_id::<web_sys::Element>("totp-key")
            .and_then(|e| e.text_content())
            .unwrap_or_default();
        let plain: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        #[cfg(feature = "hydrate")]
        let _ = window().navigator().clipboard().write_text(&plain);
        let _ = plain;
        said.set(after.clone());
    };
    let label = move || match said.get() {
        s if s.is_empty() => copy.clone(),
        s => s,
    };
    view! {
        <button type="button" class="secondary" id=COPY_ID hidden=move || !live.get()
            data-copied=copied data-live=marker(live) on:click=on_click>
            {label}
        </button>
    }
}

/// The id of the copy button (one per page).
pub const COPY_ID: &str = "copy-key";

/// What the error summary's link says and where it goes.
#[derive(Clone, Debug, Default)]
pub struct LinkText {
    /// The id of the field.
    pub target: String,
    pub text: String,
}

/// The error summary's link to the field it is about: following it focuses the field (a plain
/// link only scrolls to it).
#[island]
pub fn FieldLink() -> impl IntoView {
    let LinkText { target, text } = given();
    let live = when_live(|| {});
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let href = own(&ev, "href");
        if let Some(el) = by_id::<web_sys::HtmlElement>(href.trim_start_matches('#')) {
            ev.prevent_default();
            let _ = el.focus();
        }
    };
    view! { <a href=format!("#{target}") data-live=marker(live) on:click=on_click>{text}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_countdown_text_is_found_for_every_second() {
        let runs = vec![
            (0, "Didn't get it?".to_string()),
            (1, "In {n} second.".to_string()),
            (2, "In {n} seconds.".to_string()),
        ];
        assert_eq!(text_at(&runs, 0, false), "Didn't get it?");
        assert_eq!(text_at(&runs, 1, false), "In 1 second.");
        assert_eq!(text_at(&runs, 59, false), "In 59 seconds.");
        let clock = vec![(0, "Time left: {n}".to_string())];
        assert_eq!(text_at(&clock, 65, true), "Time left: 1:05");
        assert_eq!(text_at(&[], 3, false), "");
    }

    /// The server's HTML of an island rendered with `given` (none: as the browser has it).
    #[cfg(feature = "ssr")]
    fn html<T: Send + Sync + 'static, V: IntoView + 'static>(
        given: Option<T>,
        island: impl FnOnce() -> V,
    ) -> String {
        Owner::new().with(|| {
            if let Some(g) = given {
                provide_context(g);
            }
            island().to_html()
        })
    }

    /// Tags and attribute names only: what hydration walks.
    #[cfg(feature = "ssr")]
    fn skeleton(html: &str) -> String {
        let mut out = String::new();
        for tag in html.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let mut in_quotes = false;
            let mut names = String::new();
            let mut skipping = false;
            for c in tag.chars() {
                match c {
                    '"' => in_quotes = !in_quotes,
                    '=' if !in_quotes => skipping = true,
                    ' ' if !in_quotes => {
                        skipping = false;
                        names.push(' ');
                    }
                    _ if !in_quotes && !skipping => names.push(c),
                    _ => {}
                }
            }
            out.push_str(&format!("<{}>", names.replace("data-component ", "")));
        }
        out
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn islands_render_what_they_are_given_with_the_same_structure_as_without() {
        let resend = ResendText {
            seconds: 42,
            runs: vec![(0, "Ask again".into()), (1, "Wait {n} s".into())],
            label: "Resend".into(),
            action: "/api/reset/resend".into(),
        };
        let timer = TimerText {
            seconds: 65,
            text: "Time left: {n}".into(),
        };
        let toggle = ToggleText {
            input: "password".into(),
            show: "Show".into(),
            label: " Password".into(),
        };
        let copy = CopyText {
            copy: "Copy".into(),
            copied: "Copied".into(),
        };
        let link = LinkText {
            target: "code".into(),
            text: "Enter the code".into(),
        };
        let cases: Vec<(String, String, &[&str])> = vec![
            (
                html(Some(resend), || view! { <ResendCountdown/> }),
                html(None::<ResendText>, || view! { <ResendCountdown/> }),
                &[
                    "Wait 42 s",
                    "data-seconds=\"42\"",
                    "data-runs=\"0 Ask again\n1 Wait {n} s\"",
                    "action=\"/api/reset/resend\"",
                    ">Resend<",
                ],
            ),
            (
                html(Some(timer), || view! { <StepTimer/> }),
                html(None::<TimerText>, || view! { <StepTimer/> }),
                &[
                    "Time left: 1:05",
                    "data-seconds=\"65\"",
                    "data-text=\"Time left: {n}\"",
                ],
            ),
            (
                html(Some(toggle), || view! { <ShowToggle/> }),
                html(None::<ToggleText>, || view! { <ShowToggle/> }),
                &[
                    "aria-controls=\"password\"",
                    "hidden",
                    "Show<",
                    " Password<",
                ],
            ),
            (
                html(Some(copy), || view! { <CopyKey/> }),
                html(None::<CopyText>, || view! { <CopyKey/> }),
                &["data-copied=\"Copied\"", ">Copy<"],
            ),
            (
                html(Some(link), || view! { <FieldLink/> }),
                html(None::<LinkText>, || view! { <FieldLink/> }),
                &["href=\"#code\"", ">Enter the code<"],
            ),
        ];
        for (given, bare, expected) in cases {
            for e in expected {
                assert!(given.contains(e), "{e:?} not in {given}");
            }
            assert!(!given.contains("data-props"), "{given}");
            assert_eq!(skeleton(&given), skeleton(&bare), "{given}\n{bare}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_checklist_writes_its_rules_for_the_browser() {
        let text = ChecklistText {
            title: "Your password needs".into(),
            rules: vec![
                (Rule::MinLength(8), "8 characters".into()),
                (Rule::Digit, "a number".into()),
            ],
            done: " done".into(),
        };
        let page = html(Some(text), || view! { <PasswordChecklist/> });
        for e in [
            "id=\"password-rules\"",
            "data-rules=\"min:8 digit\"",
            "8 characters",
            "a number",
            "data-met=\"false\"",
        ] {
            assert!(page.contains(e), "{e:?} not in {page}");
        }
        assert_eq!(page.matches("<li").count(), 2, "{page}");
    }

    #[test]
    fn runs_read_back_from_the_page() {
        let runs = vec![
            (0, "Didn't get it? Ask again.".to_string()),
            (1, "In {n} second".to_string()),
            (2, " with a leading space".to_string()),
        ];
        assert_eq!(runs_from_data(&runs_to_data(&runs)), runs);
        assert_eq!(runs_from_data(""), Runs::new());
        assert_eq!(runs_from_data("x y\n3 z"), vec![(3, "z".to_string())]);
    }
}
