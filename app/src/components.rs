//! Building blocks shared by the pages: error summary, notices, password fields with the live
//! checklist, countdowns. Everything renders meaningfully without JavaScript; hydration only
//! adds live behaviour.

use leptos::prelude::*;

use crate::{
    error::{AppError, Field},
    forms::Notice,
    password::{PasswordPolicy, Rule},
};

/// True once the page is hydrated (never during server rendering).
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// The error at the top of a form: announced to screen readers, linked to its field.
#[component]
pub fn ErrorSummary(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let href = e.field().map(|f| format!("#{}", f.input_id()));
            let text = e.to_string();
            view! {
                <div class="alert alert-error" role="alert" tabindex="-1" id="error-summary">
                    {match href {
                        Some(h) => view! { <a href=h>{text}</a> }.into_any(),
                        None => view! { <p>{text}</p> }.into_any(),
                    }}
                </div>
            }
        })
    }
}

/// A one-time notice (success or warning).
#[component]
pub fn NoticeBox(notice: Option<Notice>) -> impl IntoView {
    notice.map(|n| {
        let class = if n.is_warning() {
            "alert alert-warning"
        } else {
            "alert alert-success"
        };
        view! { <div class=class role="status">{n.text()}</div> }
    })
}

/// Whether `field` is the one `error` is about.
pub fn invalid(error: Signal<Option<AppError>>, field: Field) -> Signal<bool> {
    Signal::derive(move || error.get().and_then(|e| e.field()) == Some(field))
}

/// A password input with a show/hide toggle (shown only once hydrated, as it needs JS).
#[component]
pub fn PasswordInput(
    field: Field,
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] value: Option<RwSignal<String>>,
    #[prop(optional)] describedby: Option<&'static str>,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let shown = RwSignal::new(false);
    let id = field.input_id();
    let is_invalid = invalid(error, field);
    let on_input = move |ev| {
        if let Some(v) = value {
            v.set(event_target_value(&ev));
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="password-row">
                <input
                    id=id
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    autocapitalize="off"
                    spellcheck="false"
                    aria-invalid=move || if is_invalid.get() { "true" } else { "false" }
                    aria-describedby=describedby
                    on:input=on_input
                />
                <button
                    type="button"
                    class="toggle"
                    hidden=move || !hydrated.get()
                    aria-pressed=move || if shown.get() { "true" } else { "false" }
                    aria-controls=id
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide" } else { "Show" }}
                    <span class="visually-hidden">{format!(" {}", label.to_lowercase())}</span>
                </button>
            </div>
        </div>
    }
}

/// The password rules, ticked off live as the user types (once hydrated).
#[component]
pub fn Checklist(policy: PasswordPolicy, #[prop(into)] password: Signal<String>) -> impl IntoView {
    let rules: Vec<Rule> = policy.rules();
    view! {
        <div class="checklist" id="password-rules">
            <p class="checklist-title">"Your new password needs:"</p>
            <ul>
                {rules
                    .into_iter()
                    .map(|rule| {
                        let met = move || rule.is_met(&password.get());
                        view! {
                            <li
                                class=move || if met() { "rule met" } else { "rule" }
                                data-met=move || if met() { "true" } else { "false" }
                            >
                                <span class="mark" aria-hidden="true">{move || if met() { "✓" } else { "•" }}</span>
                                {rule.label()}
                                <span class="visually-hidden">{move || if met() { " (done)" } else { "" }}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// The error a form shows: the latest server answer with JavaScript on, else the one a no-JS
/// post left for this page view.
pub fn form_error(
    latest: impl Fn() -> Option<Result<(), AppError>> + Send + Sync + 'static,
    initial: Option<AppError>,
) -> Signal<Option<AppError>> {
    Signal::derive(move || match latest() {
        Some(Err(e)) => Some(e),
        Some(Ok(())) => None,
        None => initial.clone(),
    })
}

/// The username field (kept after a failed post; never a password).
#[component]
pub fn UsernameInput(
    value: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let is_invalid = invalid(error, Field::Username);
    view! {
        <div class="field">
            <label for="username">"Username"</label>
            <input
                id="username"
                name="username"
                type="text"
                autocomplete="username"
                autocapitalize="off"
                spellcheck="false"
                value=value
                autofocus=autofocus
                aria-invalid=move || if is_invalid.get() { "true" } else { "false" }
            />
        </div>
    }
}

/// New password, its live checklist, and the confirmation.
#[component]
pub fn NewPasswordFields(
    policy: PasswordPolicy,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let new_password = RwSignal::new(String::new());
    view! {
        <PasswordInput field=Field::NewPassword name="new_password" label="New password" autocomplete="new-password" error value=new_password describedby="password-rules"/>
        <Checklist policy password=new_password/>
        <PasswordInput field=Field::ConfirmPassword name="confirm_password" label="Confirm new password" autocomplete="new-password" error/>
    }
}

/// "1:05"-style minutes and seconds.
pub fn mm_ss(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// A number of seconds that counts down once hydrated (static text without JS).
pub fn countdown(start: u32) -> ReadSignal<u32> {
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

/// A submit button that says it is busy while the action runs.
#[component]
pub fn Submit(
    label: &'static str,
    busy: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" class="primary" aria-disabled=move || if pending.get() { "true" } else { "false" }>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_and_seconds() {
        assert_eq!(mm_ss(0), "0:00");
        assert_eq!(mm_ss(65), "1:05");
        assert_eq!(mm_ss(180), "3:00");
    }
}
