//! Building blocks shared by the pages: forms, error summary, notices, password fields with the
//! live checklist, countdowns. All of it is rendered on the server; the parts that come alive
//! in the browser are islands (`crate::islands`), each with its wrapper beside it.

use leptos::prelude::*;

use crate::{
    error::{AppError, Field},
    forms::Notice,
    i18n::td_string,
    islands::{
        checklist::{RulesChecklist, CHECKLIST_ID},
        field_link::field_link,
        island_script,
        show_toggle::PasswordToggle,
        IslandsUsed,
    },
    paths::field,
    policy::PasswordPolicy,
    text::{error_text, locale, notice_text},
};

/// A form that posts to the server function at `action` the way every browser does: the
/// server answers with a redirect to the next page, or back to this one with the error
/// (post/redirect/get). With or without JavaScript, the same.
#[component]
pub fn PostForm(
    action: &'static str,
    #[prop(optional)] class: Option<&'static str>,
    #[prop(optional)] novalidate: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <form method="post" action=action class=class novalidate=novalidate>{children()}</form>
    }
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
                    let loaded = state.await;
                    // The islands rendered here get their script here: the shell's was decided
                    // before this state arrived when loading it waited (on Cognito, on Redis).
                    // Noted per render, as a render may be redone and only the last one sent.
                    let used = IslandsUsed::default();
                    let owner = Owner::new();
                    let view = owner.with(|| {
                        provide_context(used.clone());
                        let page = match (loaded, blank) {
                            (Ok(st), _) | (Err(_), Some(st)) => render(st).into_any(),
                            (Err(e), None) => {
                                view! { <ErrorSummary error=Signal::derive(move || Some(e.clone()))/> }
                                    .into_any()
                            }
                        };
                        view! { {page} {island_script(&used)} }.into_any()
                    });
                    leptos::tachys::reactive_graph::OwnedView::new_with_owner(view, owner)
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
    /// Focused when the page loads (the page's first field; an error summary comes first).
    #[prop(optional)]
    autofocus: bool,
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
                autofocus=autofocus
                aria-invalid=move || if code_invalid.get() { "true" } else { "false" }
                aria-describedby=described_by(code_invalid, Field::Code, extra)
            />
            <FieldError field=Field::Code error/>
        </div>
    }
}

/// The error at the top of a form: announced to screen readers, linked to its field, and
/// focused when the page loads (so it is read first).
#[component]
pub fn ErrorSummary(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let l = locale();
    error.get_untracked().map(|e| {
        let text = error_text(l, &e);
        view! {
            <div class="alert alert-error" role="alert" tabindex="-1" id="error-summary" autofocus>
                {match e.field() {
                    Some(f) => {
                        field_link(f, text).into_any()
                    }
                    None => view! { <p>{text}</p> }.into_any(),
                }}
            </div>
        }
    })
}

/// A one-time notice (success or warning).
#[component]
pub fn NoticeBox(
    notice: Option<Notice>,
    /// The page shows "Continue to …" itself (the account page): not again here.
    #[prop(optional)]
    no_continue: bool,
) -> impl IntoView {
    notice.map(|n| {
        let warning = n.is_warning();
        let class = if warning {
            "alert alert-warning"
        } else {
            "alert alert-success"
        };
        view! {
            <div class=class role="status">{notice_text(locale(), &n)}</div>
            {(!warning && !no_continue).then(|| view! { <ContinueLink/> })}
        }
    })
}

/// "Continue to Example Corp": the way out to the operator's app after a success (when
/// `APP_URL` is set), as a button (`primary` where it is the page's main way on).
#[component]
pub fn ContinueLink(#[prop(optional)] primary: bool) -> impl IntoView {
    use_context::<crate::branding::ContinueTo>().map(|c| {
        let text = td_string!(
            locale(),
            app.continue_to,
            app = crate::text::isolate(&c.name)
        );
        let class = if primary {
            "button primary"
        } else {
            "button secondary"
        };
        view! { <p class="continue"><a class=class href=c.url>{text}</a></p> }
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

/// A password input with its show/hide toggle (an island: the toggle needs JavaScript).
#[component]
pub fn PasswordInput(
    field: Field,
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// The id of a text that also describes the input (after its error).
    #[prop(optional)]
    describedby: Option<&'static str>,
    /// Focused when the page loads (the page's first field).
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
    let id = field.input_id();
    let is_invalid = invalid(error, field);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="password-row">
                <input
                    id=id
                    name=name
                    type="password"
                    autocomplete=autocomplete
                    autocapitalize="off"
                    spellcheck="false"
                    autofocus=autofocus
                    aria-invalid=move || if is_invalid.get() { "true" } else { "false" }
                    aria-describedby=described_by(is_invalid, field, describedby)
                />
                <PasswordToggle input=id label/>
            </div>
            <FieldError field error/>
        </div>
    }
}

/// The error a form shows: the one its last post left for this page view.
pub fn form_error(initial: Option<AppError>) -> Signal<Option<AppError>> {
    Signal::stored(initial)
}

/// The field users sign in with (kept after a failed post; never a password), labelled and
/// typed as the pool has them sign in: a username, an email address (`type=email`), a phone
/// number (`type=tel`), or one of several.
#[component]
pub fn UsernameInput(
    value: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let is_invalid = invalid(error, Field::Username);
    let with = crate::text::sign_in_with();
    let kind = match (with.username, with.email, with.phone) {
        (false, true, false) => "email",
        (false, false, true) => "tel",
        _ => "text",
    };
    view! {
        <div class="field">
            <label for=field::USERNAME>{crate::text::identifier_label(locale(), with)}</label>
            <input
                id=field::USERNAME
                name=field::USERNAME
                type=kind
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

/// New password, its live checklist (an island), and the confirmation.
#[component]
pub fn NewPasswordFields(
    policy: PasswordPolicy,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// The new password is the page's first field.
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
    let l = locale();
    // A rule the browser cannot check (it does not know the old passwords): said, not ticked.
    let history = (policy.history > 0).then(|| {
        let n = policy.history as i32;
        view! { <p class="hint" id="password-history">{td_string!(l, form.rule_history, count = n)}</p> }
    });
    view! {
        <PasswordInput field=Field::NewPassword name=field::NEW_PASSWORD label=td_string!(l, form.new_password)
            autocomplete="new-password" error describedby=CHECKLIST_ID autofocus/>
        <RulesChecklist policy/>
        {history}
        <PasswordInput field=Field::ConfirmPassword name=field::CONFIRM_PASSWORD
            label=td_string!(l, form.confirm_password) autocomplete="new-password" error/>
    }
}

/// A submit button.
#[component]
pub fn Submit(label: &'static str) -> impl IntoView {
    view! { <button type="submit" class="primary">{label}</button> }
}
