//! Building blocks shared by the pages: error summary, notices, password fields with the live
//! checklist, countdowns. Everything renders meaningfully without JavaScript; hydration only
//! adds live behaviour.

use leptos::prelude::*;

use crate::{
    error::{AppError, Field},
    forms::Notice,
    i18n::td_string,
    paths::field,
    policy::{PasswordPolicy, Rule},
    text::{error_text, locale, notice_text, rule_label},
};

/// True once the page is hydrated (never during server rendering).
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}

/// The skeleton of every page: its state is loaded on the server before the page is sent (so
/// it works without JavaScript) and again when `source` changes; `render` shows it. When it
/// cannot be loaded (the status is already set), the page shows `blank` when it has one (a
/// form still worth showing), else the error.
pub fn page_state<S, T, V, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    load: impl Fn(S) -> Fut + Send + Sync + 'static,
    blank: Option<T>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: serde::Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let state = Resource::new_blocking(source, load);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (render, blank) = (render.clone(), blank.clone());
                Suspend::new(async move {
                    match (state.await, blank) {
                        (Ok(st), _) | (Err(_), Some(st)) => render(st).into_any(),
                        (Err(e), None) => {
                            view! { <ErrorSummary error=Signal::derive(move || Some(e.clone()))/> }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// A one-time code field (reset codes and second-factor codes): numeric keyboard, the
/// platform's one-time-code autofill, its error next to it.
#[component]
pub fn CodeInput(
    label: &'static str,
    #[prop(into)] value: String,
    error: Signal<Option<AppError>>,
    /// The id of the text that says where the code comes from.
    hint: Option<&'static str>,
) -> impl IntoView {
    let (code_invalid, extra) = (invalid(error, Field::Code), hint);
    view! {
        <div class="field">
            <label for=field::CODE>{label}</label>
            <input
                id=field::CODE
                name=field::CODE
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                autocapitalize="off"
                spellcheck="false"
                value=value
                aria-invalid=move || if code_invalid.get() { "true" } else { "false" }
                aria-describedby=described_by(code_invalid, Field::Code, extra)
            />
            <FieldError field=Field::Code error/>
        </div>
    }
}

/// The error at the top of a form: announced to screen readers, linked to its field.
#[component]
pub fn ErrorSummary(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let l = locale();
    // After a failed submit (JavaScript on), focus moves to the summary so it is read first.
    let summary = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |first: Option<()>| {
        let has_error = error.with(|e| e.is_some());
        if first.is_some() && has_error {
            if let Some(el) = summary.get() {
                let _ = el.focus();
            }
        }
    });
    move || {
        error.get().map(|e| {
            let href = e.field().map(|f| format!("#{}", f.input_id()));
            let text = error_text(l, &e);
            view! {
                <div class="alert alert-error" role="alert" tabindex="-1" id="error-summary" node_ref=summary>
                    {match href {
                        Some(h) => {
                            let id = h.trim_start_matches('#').to_string();
                            // Following the link focuses the field (browsers only scroll to it).
                            let focus_field = move |ev: leptos::ev::MouseEvent| {
                                if let Some(el) = document()
                                    .get_element_by_id(&id)
                                    .and_then(|e| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(e).ok())
                                {
                                    ev.prevent_default();
                                    let _ = el.focus();
                                }
                            };
                            view! { <a href=h on:click=focus_field>{text}</a> }.into_any()
                        }
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
        view! { <div class=class role="status">{notice_text(locale(), &n)}</div> }
    })
}

/// The message next to a field when the error is about it (the input points to it with
/// `aria-describedby`).
#[component]
pub fn FieldError(field: Field, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let l = locale();
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| {
            view! { <p class="field-error" id=error_id(field)>{error_text(l, &e)}</p> }
        })
    }
}

/// The id of a field's message.
pub fn error_id(field: Field) -> String {
    format!("{}-error", field.input_id())
}

/// `aria-describedby` for a field: its message when it has one, then `extra`.
pub fn described_by(
    invalid: Signal<bool>,
    field: Field,
    extra: Option<&'static str>,
) -> impl Fn() -> Option<String> + Send + Sync + Clone + 'static {
    move || {
        let mut ids = vec![];
        if invalid.get() {
            ids.push(error_id(field));
        }
        if let Some(x) = extra {
            ids.push(x.to_string());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
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
                    aria-describedby=described_by(is_invalid, field, describedby)
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
                    {td_string!(locale(), form.show)}
                    <span class="visually-hidden">{format!(" {label}")}</span>
                </button>
            </div>
            <FieldError field error/>
        </div>
    }
}

/// The password rules, ticked off live as the user types (once hydrated).
#[component]
pub fn Checklist(policy: PasswordPolicy, #[prop(into)] password: Signal<String>) -> impl IntoView {
    let rules: Vec<Rule> = policy.rules();
    let l = locale();
    view! {
        <div class="checklist" id="password-rules">
            <p class="checklist-title">{td_string!(l, form.rules_title)}</p>
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
                                {rule_label(l, &rule)}
                                <span class="visually-hidden">{move || if met() { format!(" {}", td_string!(l, form.rule_done)) } else { String::new() }}</span>
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
            <label for=field::USERNAME>{td_string!(locale(), form.username)}</label>
            <input
                id=field::USERNAME
                name=field::USERNAME
                type="text"
                autocomplete="username"
                autocapitalize="off"
                spellcheck="false"
                value=value
                autofocus=autofocus
                aria-invalid=move || if is_invalid.get() { "true" } else { "false" }
                aria-describedby=described_by(is_invalid, Field::Username, None)
            />
            <FieldError field=Field::Username error/>
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
    let l = locale();
    view! {
        <PasswordInput field=Field::NewPassword name=field::NEW_PASSWORD label=td_string!(l, form.new_password) autocomplete="new-password" error value=new_password describedby="password-rules"/>
        <Checklist policy password=new_password/>
        <PasswordInput field=Field::ConfirmPassword name=field::CONFIRM_PASSWORD label=td_string!(l, form.confirm_password) autocomplete="new-password" error/>
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
