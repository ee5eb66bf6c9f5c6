//! "Resend code" and the time until it may be used.

use leptos::prelude::*;

use super::{
    count_down, given, island, kept, marker, runs, runs_from_data, runs_to_data, text_at,
    when_live, Runs,
};
use crate::i18n::td_string;

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
    let runs = kept(RESEND_ID, "data-runs", || runs_to_data(&runs));
    let seconds = kept(RESEND_ID, "data-seconds", || seconds.to_string());
    let left = RwSignal::new(seconds.parse().unwrap_or(0));
    let live = when_live(move || count_down(left, || {}));
    let text = {
        let runs = runs_from_data(&runs);
        move || text_at(&runs, left.get(), false)
    };
    view! {
        <div class="resend" id=RESEND_ID data-seconds=seconds data-runs=runs
            data-live=marker(live)>
            // Not a live region: a screen reader would read the count every second. Reading
            // the page gives the time left; the button comes back when it is up.
            <p id="resend-status" aria-live="off">
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

/// "Resend code" with the time until it may be used, counted down once live.
#[component]
pub fn ResendButton(seconds: u32, action: &'static str) -> impl IntoView {
    let l = crate::text::locale();
    let resend = ResendText {
        seconds,
        runs: runs(seconds, |n| crate::text::resend_status(l, n)),
        label: td_string!(l, reset.resend).to_string(),
        action: action.to_string(),
    };
    island(resend, || view! { <ResendCountdown/> })
}
