//! Everything the browser runs: the islands. Every page is server-rendered HTML and every form
//! posts the way it does without JavaScript (post/redirect/get); these only enhance what is on
//! the page: show/hide on password fields, the live checklist, countdowns, the copy button and
//! the error summary's link to its field. The WASM holds these and nothing else.
//!
//! Islands get their words as props, already translated by the server for the page's language,
//! so no locale's strings are compiled into the WASM. Each island's root carries `data-live`
//! once it runs in the browser (what the browser tests wait for).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::policy::Rule;

/// True once the island runs in the browser (never during server rendering).
fn use_live() -> ReadSignal<bool> {
    let (live, set_live) = signal(false);
    Effect::new(move |_| set_live.set(true));
    live
}

/// `data-live` for an island's root.
fn marker(live: ReadSignal<bool>) -> impl Fn() -> Option<&'static str> + Send + Sync + Clone {
    move || live.get().then_some("true")
}

/// A number of seconds that counts down in the browser (static during server rendering).
fn countdown(start: u32) -> ReadSignal<u32> {
    let (left, set_left) = signal(start);
    Effect::new(move |_| {
        if start == 0 {
            return;
        }
        let handle = set_interval_with_handle(
            move || set_left.update(|s| *s = s.saturating_sub(1)),
            std::time::Duration::from_secs(1),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    });
    left
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

/// Everything a password field shows, in the page's language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSpec {
    pub id: String,
    pub name: String,
    pub label: String,
    pub autocomplete: String,
    /// The field's error message, when the form's error is about it.
    pub error: Option<String>,
    /// Ids of texts that also describe the input (after its error).
    pub describedby: Option<String>,
    /// The toggle's word ("Show").
    pub show: String,
}

/// A password input with its show/hide toggle (offered only once live: it needs JavaScript).
fn password_field(
    spec: PasswordSpec,
    live: ReadSignal<bool>,
    value: Option<RwSignal<String>>,
) -> impl IntoView {
    let PasswordSpec {
        id,
        name,
        label,
        autocomplete,
        error,
        describedby,
        show,
    } = spec;
    let shown = RwSignal::new(false);
    let error_id = format!("{id}-error");
    let described: Vec<String> = error
        .as_ref()
        .map(|_| error_id.clone())
        .into_iter()
        .chain(describedby)
        .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let on_input = move |ev| {
        if let Some(v) = value {
            v.set(event_target_value(&ev));
        }
    };
    view! {
        <div class="field" data-live=marker(live)>
            <label for=id.clone()>{label.clone()}</label>
            <div class="password-row">
                <input
                    id=id.clone()
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    autocapitalize="off"
                    spellcheck="false"
                    aria-invalid=if error.is_some() { "true" } else { "false" }
                    aria-describedby=described
                    on:input=on_input
                />
                <button
                    type="button"
                    class="toggle"
                    hidden=move || !live.get()
                    aria-pressed=move || if shown.get() { "true" } else { "false" }
                    aria-controls=id
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {show}
                    <span class="visually-hidden">{format!(" {label}")}</span>
                </button>
            </div>
            {error.map(|text| view! { <p class="field-error" id=error_id>{text}</p> })}
        </div>
    }
}

/// One password field (sign-in, current password).
#[island]
pub fn PasswordField(spec: PasswordSpec) -> impl IntoView {
    password_field(spec, use_live(), None)
}

/// The live checklist's words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistText {
    pub title: String,
    /// Each rule with its label.
    pub rules: Vec<(Rule, String)>,
    /// Read out after a met rule ("done").
    pub done: String,
}

/// New password, the rules ticked off as the user types, and the confirmation.
#[island]
pub fn NewPasswordFields(
    new: PasswordSpec,
    confirm: PasswordSpec,
    checklist: ChecklistText,
) -> impl IntoView {
    let live = use_live();
    let password = RwSignal::new(String::new());
    let ChecklistText { title, rules, done } = checklist;
    let rules = rules
        .into_iter()
        .map(|(rule, label)| {
            let met = move || rule.is_met(&password.get());
            let done = done.clone();
            view! {
                <li
                    class=move || if met() { "rule met" } else { "rule" }
                    data-met=move || if met() { "true" } else { "false" }
                >
                    <span class="mark" aria-hidden="true">{move || if met() { "✓" } else { "•" }}</span>
                    {label}
                    <span class="visually-hidden">{move || if met() { format!(" {done}") } else { String::new() }}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="island" data-live=marker(live)>
            {password_field(new, live, Some(password))}
            <div class="checklist" id="password-rules">
                <p class="checklist-title">{title}</p>
                <ul>{rules}</ul>
            </div>
            {password_field(confirm, live, None)}
        </div>
    }
}

/// "Resend code": the time until another code may be asked for, counted down, and the button,
/// which waits for it once live (without JavaScript the server says how long to wait).
#[island]
pub fn ResendCountdown(seconds: u32, texts: Runs, label: String, action: String) -> impl IntoView {
    let live = use_live();
    let left = countdown(seconds);
    view! {
        <div class="resend" data-live=marker(live)>
            <p id="resend-status" aria-live="polite">{move || text_at(&texts, left.get(), false)}</p>
            <form method="post" action=action class="inline-form">
                <button type="submit" class="secondary" id="resend" disabled=move || live.get() && left.get() != 0>
                    {label}
                </button>
            </form>
        </div>
    }
}

/// The time left on a step, counted down; when it runs out in an open tab the page loads again
/// and the server says what happened.
#[island]
pub fn StepTimer(seconds: u32, texts: Runs) -> impl IntoView {
    let live = use_live();
    let left = countdown(seconds);
    Effect::new(move |_| {
        if live.get() && left.get() == 0 {
            let _ = window().location().reload();
        }
    });
    view! {
        <p class="timer" id="time-left" aria-live="off" data-live=marker(live)>
            {move || text_at(&texts, left.get(), true)}
        </p>
    }
}

/// The button that copies the authenticator key shown in `#totp-key` (offered once live).
#[island]
pub fn CopyKey(copy: String, copied: String) -> impl IntoView {
    let live = use_live();
    let (done, set_done) = signal(false);
    let on_click = move |_: leptos::ev::MouseEvent| {
        let key = document()
            .get_element_by_id("totp-key")
            .and_then(|e| e.text_content())
            .unwrap_or_default();
        let plain: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        #[cfg(feature = "hydrate")]
        let _ = window().navigator().clipboard().write_text(&plain);
        let _ = plain;
        set_done.set(true);
    };
    view! {
        <button type="button" class="secondary" id="copy-key" hidden=move || !live.get()
            data-live=marker(live) on:click=on_click>
            {move || if done.get() { copied.clone() } else { copy.clone() }}
        </button>
    }
}

/// The error summary's link to the field it is about: following it focuses the field (a plain
/// link only scrolls to it).
#[island]
pub fn FieldLink(target: String, text: String) -> impl IntoView {
    let live = use_live();
    let href = format!("#{target}");
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(el) = document().get_element_by_id(&target).and_then(|e| {
            leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(e).ok()
        }) {
            ev.prevent_default();
            let _ = el.focus();
        }
    };
    view! { <a href=href data-live=marker(live) on:click=on_click>{text}</a> }
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
}
