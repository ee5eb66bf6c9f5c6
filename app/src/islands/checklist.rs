//! The new password's rules, ticked off as the user types.

use leptos::{prelude::*, wasm_bindgen::JsCast, web_sys};

use super::{given, island, kept, marker, when_live};
use crate::{
    i18n::td_string,
    paths::field,
    policy::{PasswordPolicy, Rule},
};

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
    let codes = kept(CHECKLIST_ID, "data-rules", || codes.join(" "));
    let mut labels = rules.into_iter().map(|(_, label)| label);
    let rules: Vec<(Rule, String)> = codes
        .split(' ')
        .filter_map(Rule::from_code)
        .map(|r| (r, labels.next().unwrap_or_default()))
        .collect();
    let password = RwSignal::new(String::new());
    let live = when_live(move || {
        // What is in the field already (put back by the page's form script, or the browser).
        if let Some(input) = super::by_id::<web_sys::HtmlInputElement>(field::NEW_PASSWORD) {
            password.set(input.value());
        }
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

/// The checklist of `policy`'s rules, in the page's language.
#[component]
pub fn RulesChecklist(policy: PasswordPolicy) -> impl IntoView {
    let l = crate::text::locale();
    let checklist = ChecklistText {
        title: td_string!(l, form.rules_title).to_string(),
        rules: policy
            .rules()
            .into_iter()
            .map(|r| (r, crate::text::rule_label(l, &r)))
            .collect(),
        done: format!(" {}", td_string!(l, form.rule_done)),
    };
    island(checklist, || view! { <PasswordChecklist/> })
}
