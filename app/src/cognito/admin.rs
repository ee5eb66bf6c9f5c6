//! The calls that need IAM credentials rather than an app client: the operator's CLI
//! (`Admin*`), the notification's look-up of the user, and signing a user out everywhere
//! after a password change (`AdminUserGlobalSignOut`). What the pool is: [`super::pool`].

use std::collections::HashMap;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::{
    operation::admin_get_user::AdminGetUserOutput, types::AttributeType, Client,
};
use serde::Serialize;

use super::{
    errors::{classify, failure_code},
    Cognito, Delivery, IdpError, Medium,
};

/// A user as an operator sees it (no secrets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    pub username: String,
    pub status: String,
    pub enabled: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    /// The `locale` attribute (the user's language), when set.
    pub locale: Option<String>,
}

impl Cognito {
    /// A client for the administrator calls only (no app client needed).
    pub async fn for_admin(user_pool_id: String, region: String) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region))
            .load()
            .await;
        Self::new(Client::new(&sdk), user_pool_id, String::new(), None)
    }

    /// `AdminResetUserPassword`: the user's next sign-in must go through a code.
    #[tracing::instrument(skip_all)]
    pub async fn admin_reset_password(&self, username: &str) -> Result<(), IdpError> {
        self.client
            .admin_reset_user_password()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "AdminResetUserPassword"))
    }

    /// `AdminSetUserPassword`, temporary (`permanent == false`) or permanent.
    #[tracing::instrument(skip_all)]
    pub async fn admin_set_password(
        &self,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<(), IdpError> {
        self.client
            .admin_set_user_password()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .password(password)
            .permanent(permanent)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "AdminSetUserPassword"))
    }

    /// `AdminUpdateUserAttributes` setting `email_verified` or `phone_number_verified`.
    #[tracing::instrument(skip_all)]
    pub async fn admin_mark_verified(&self, username: &str, phone: bool) -> Result<(), IdpError> {
        let name = if phone {
            "phone_number_verified"
        } else {
            "email_verified"
        };
        self.admin_set_attribute(username, name, "true").await
    }

    /// `AdminGetUser`: one attribute's value (a custom one the app client may not read).
    #[tracing::instrument(skip_all)]
    pub async fn admin_attribute(
        &self,
        username: &str,
        name: &str,
    ) -> Result<Option<String>, IdpError> {
        let out = self.get_user_as_admin(username).await?;
        Ok(attribute_value(&out, name))
    }

    /// `AdminGetUser` once: the user's summary and one attribute's value.
    #[tracing::instrument(skip_all)]
    pub async fn admin_get_user_and(
        &self,
        username: &str,
        name: &str,
    ) -> Result<(UserSummary, Option<String>), IdpError> {
        let out = self.get_user_as_admin(username).await?;
        let value = attribute_value(&out, name);
        let user = summary(
            out.username(),
            out.user_status().map(|s| s.as_str()),
            out.enabled(),
            out.user_attributes(),
        );
        Ok((user, value))
    }

    /// `AdminGetUser`, as Cognito answers it.
    async fn get_user_as_admin(&self, username: &str) -> Result<AdminGetUserOutput, IdpError> {
        self.client
            .admin_get_user()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| classify(e, "AdminGetUser"))
    }

    /// `AdminUpdateUserAttributes` of one attribute.
    #[tracing::instrument(skip_all)]
    pub async fn admin_set_attribute(
        &self,
        username: &str,
        name: &str,
        value: &str,
    ) -> Result<(), IdpError> {
        let attr = AttributeType::builder()
            .name(name)
            .value(value)
            .build()
            .map_err(|_| IdpError::Unexpected)?;
        self.client
            .admin_update_user_attributes()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .user_attributes(attr)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "AdminUpdateUserAttributes"))
    }

    /// `AdminDeleteUserAttributes` of one attribute: it is gone, not emptied.
    #[tracing::instrument(skip_all)]
    pub async fn admin_delete_attribute(&self, username: &str, name: &str) -> Result<(), IdpError> {
        self.client
            .admin_delete_user_attributes()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .user_attribute_names(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "AdminDeleteUserAttributes"))
    }

    /// `AdminUserGlobalSignOut`: ends every session of the user.
    #[tracing::instrument(skip_all)]
    /// The error carries the exception's code (or the transport failure's kind) for the log.
    pub async fn admin_sign_out(&self, username: &str) -> Result<(), (IdpError, String)> {
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let code = failure_code(&e);
                let kind = classify(e, "AdminUserGlobalSignOut");
                (kind, code)
            })
    }

    /// `AdminListDevices` + `AdminForgetDevice`: every remembered device of `username` is
    /// forgotten (after "This wasn't me"); how many were. A device already gone counts as
    /// forgotten.
    #[tracing::instrument(skip_all)]
    pub async fn admin_forget_devices(&self, username: &str) -> Result<usize, IdpError> {
        let mut forgotten = 0;
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .admin_list_devices()
                .user_pool_id(&*self.user_pool_id)
                .username(username)
                .limit(60)
                .set_pagination_token(token.take())
                .send()
                .await
                .map_err(|e| classify(e, "AdminListDevices"))?;
            for key in out.devices().iter().filter_map(|d| d.device_key()) {
                let sent = self
                    .client
                    .admin_forget_device()
                    .user_pool_id(&*self.user_pool_id)
                    .username(username)
                    .device_key(key)
                    .send()
                    .await;
                super::account::done_if_gone(
                    sent,
                    &["ResourceNotFoundException"],
                    "AdminForgetDevice",
                )?;
                forgotten += 1;
            }
            match out.pagination_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(forgotten),
            }
        }
    }

    /// `AdminListUserAuthEvents` + `AdminUpdateAuthEventFeedback`: the user's sign-in events
    /// from `from` to `to` (Unix seconds) are reported as not the user's, so that threat
    /// protection's risk model learns from them; how many were.
    #[tracing::instrument(skip_all)]
    pub async fn admin_report_not_user(
        &self,
        username: &str,
        from: i64,
        to: i64,
    ) -> Result<usize, IdpError> {
        use aws_sdk_cognitoidentityprovider::types::FeedbackValueType;
        let out = self
            .client
            .admin_list_user_auth_events()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .max_results(60)
            .send()
            .await
            .map_err(|e| classify(e, "AdminListUserAuthEvents"))?;
        let mut reported = 0;
        for event in out.auth_events() {
            let at = event.creation_date().map(|d| d.secs()).unwrap_or(0);
            let Some(id) = event.event_id() else {
                continue;
            };
            if at < from || at > to {
                continue;
            }
            self.client
                .admin_update_auth_event_feedback()
                .user_pool_id(&*self.user_pool_id)
                .username(username)
                .event_id(id)
                .feedback_value(FeedbackValueType::Invalid)
                .send()
                .await
                .map_err(|e| classify(e, "AdminUpdateAuthEventFeedback"))?;
            reported += 1;
        }
        Ok(reported)
    }

    /// `AdminGetUser`: status and contact verification, never secrets.
    #[tracing::instrument(skip_all)]
    pub async fn admin_get_user(&self, username: &str) -> Result<UserSummary, IdpError> {
        let out = self.get_user_as_admin(username).await?;
        Ok(summary(
            out.username(),
            out.user_status().map(|s| s.as_str()),
            out.enabled(),
            out.user_attributes(),
        ))
    }

    /// `AdminSetUserMFAPreference` (every factor off) + `AdminDeleteSoftwareToken`: the user's
    /// second factors are gone; in a pool that requires one, the next sign-in sets one up.
    #[tracing::instrument(skip_all)]
    pub async fn admin_mfa_reset(&self, username: &str) -> Result<(), IdpError> {
        use aws_sdk_cognitoidentityprovider::types::{
            EmailMfaSettingsType, SmsMfaSettingsType, SoftwareTokenMfaSettingsType,
        };
        self.client
            .admin_set_user_mfa_preference()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .software_token_mfa_settings(
                SoftwareTokenMfaSettingsType::builder()
                    .enabled(false)
                    .preferred_mfa(false)
                    .build(),
            )
            .sms_mfa_settings(
                SmsMfaSettingsType::builder()
                    .enabled(false)
                    .preferred_mfa(false)
                    .build(),
            )
            .email_mfa_settings(
                EmailMfaSettingsType::builder()
                    .enabled(false)
                    .preferred_mfa(false)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify(e, "AdminSetUserMFAPreference"))?;
        match self
            .client
            .admin_delete_software_token()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| classify(e, "AdminDeleteSoftwareToken"))
        {
            // No authenticator app to delete: nothing more to do.
            Ok(_) | Err(IdpError::Misconfigured) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `AdminEnableUser` / `AdminDisableUser`.
    #[tracing::instrument(skip_all)]
    pub async fn admin_set_enabled(&self, username: &str, enabled: bool) -> Result<(), IdpError> {
        let pool = &*self.user_pool_id;
        if enabled {
            let r = self
                .client
                .admin_enable_user()
                .user_pool_id(pool)
                .username(username);
            r.send()
                .await
                .map(|_| ())
                .map_err(|e| classify(e, "AdminEnableUser"))
        } else {
            let r = self
                .client
                .admin_disable_user()
                .user_pool_id(pool)
                .username(username);
            r.send()
                .await
                .map(|_| ())
                .map_err(|e| classify(e, "AdminDisableUser"))
        }
    }

    /// `ListUsers` with `attribute = "value"` (`email` or `phone_number`): the users who have it.
    #[tracing::instrument(skip_all)]
    pub async fn admin_find(
        &self,
        attribute: &str,
        value: &str,
    ) -> Result<Vec<UserSummary>, IdpError> {
        // The filter's value is a quoted string: quotes and backslashes in it are escaped.
        let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
        let out = self
            .client
            .list_users()
            .user_pool_id(&*self.user_pool_id)
            .filter(format!("{attribute} = \"{quoted}\""))
            .limit(20)
            .send()
            .await
            .map_err(|e| classify(e, "ListUsers"))?;
        Ok(out
            .users()
            .iter()
            .map(|u| {
                summary(
                    u.username().unwrap_or(""),
                    u.user_status().map(|s| s.as_str()),
                    u.enabled(),
                    u.attributes(),
                )
            })
            .collect())
    }

    /// `AdminGetUser` + `AdminCreateUser` with `MessageAction=RESEND`: the invitation again,
    /// with a new temporary password and a new validity period (a user still in
    /// `FORCE_CHANGE_PASSWORD`, e.g. whose temporary password expired). It goes by email when
    /// the user has an address, else by text message (Cognito's own default is SMS only, which
    /// an email-only user never gets). Returns the medium and the address or number it went to.
    #[tracing::instrument(skip_all)]
    pub async fn admin_resend_invitation(&self, username: &str) -> Result<Delivery, IdpError> {
        use aws_sdk_cognitoidentityprovider::types::{DeliveryMediumType, MessageActionType};
        let user = self.admin_get_user(username).await?;
        let (medium, wire, destination) = match (&user.email, &user.phone_number) {
            (Some(email), _) => (Medium::Email, DeliveryMediumType::Email, email.clone()),
            (None, Some(phone)) => (Medium::Sms, DeliveryMediumType::Sms, phone.clone()),
            // Nowhere to send it: the operator's fix (an attribute to add).
            (None, None) => return Err(IdpError::InvalidParameter),
        };
        self.client
            .admin_create_user()
            .user_pool_id(&*self.user_pool_id)
            .username(username)
            .message_action(MessageActionType::Resend)
            .desired_delivery_mediums(wire)
            .send()
            .await
            .map_err(|e| classify(e, "AdminCreateUser(RESEND)"))?;
        Ok(Delivery {
            medium,
            destination,
        })
    }
}

/// A user as an operator sees it, from what Cognito returns.
/// The value of the attribute `name` in an `AdminGetUser` answer.
fn attribute_value(out: &AdminGetUserOutput, name: &str) -> Option<String> {
    out.user_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
        .map(str::to_string)
}

fn summary(
    username: &str,
    status: Option<&str>,
    enabled: bool,
    attributes: &[AttributeType],
) -> UserSummary {
    let attrs: HashMap<&str, &str> = attributes
        .iter()
        .filter_map(|a| Some((a.name(), a.value()?)))
        .collect();
    UserSummary {
        username: username.to_string(),
        status: status.unwrap_or("UNKNOWN").to_string(),
        enabled,
        email: attrs.get("email").map(|s| s.to_string()),
        email_verified: attrs.get("email_verified") == Some(&"true"),
        phone_number: attrs.get("phone_number").map(|s| s.to_string()),
        phone_number_verified: attrs.get("phone_number_verified") == Some(&"true"),
        locale: attrs.get("locale").map(|s| s.to_string()),
    }
}
