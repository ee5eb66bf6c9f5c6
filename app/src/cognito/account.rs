//! The calls a signed-in user makes with their own access token: what `/account/security`
//! shows and changes (MFA settings, an authenticator app, remembered devices, passkeys), the
//! password, signing out everywhere and revoking a refresh token.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    EmailMfaSettingsType, SmsMfaSettingsType, SoftwareTokenMfaSettingsType,
    VerifySoftwareTokenResponseType,
};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::{Document, Number};
use serde::{Deserialize, Serialize};

use secrecy::ExposeSecret;

use super::{classify, recovery::delivery_of, Cognito, Delivery, IdpError, Medium, MfaKind, Token};

/// Cognito's name of the attribute a contact is kept in.
fn attribute_of(contact: Medium) -> &'static str {
    match contact {
        Medium::Email => "email",
        Medium::Sms => "phone_number",
    }
}

/// What `GetUser` says about the user's sign-in security.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSecurity {
    /// The second factors turned on (`UserMFASettingList`).
    pub mfa: Vec<MfaKind>,
    /// The one Cognito asks for first (`PreferredMfaSetting`).
    pub preferred: Option<MfaKind>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
}

/// A device Cognito remembers for the user (`ListDevices`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedDevice {
    /// Cognito's device key (what `ForgetDevice` takes).
    pub key: String,
    /// The name the device gave itself (`device_name`), if any.
    pub name: Option<String>,
    /// Unix seconds of the last sign-in from it, else when it was remembered.
    pub last_used: Option<i64>,
}

/// A passkey of the user (`ListWebAuthnCredentials`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passkey {
    pub id: String,
    pub name: String,
    /// Unix seconds.
    pub created: i64,
    /// `platform` (built into the device) or `cross-platform` (a security key), when known.
    pub attachment: Option<String>,
}

/// One change to the user's MFA settings (`SetUserMFAPreference`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MfaPreference {
    pub kind: MfaKind,
    pub enabled: bool,
    pub preferred: bool,
}

/// A removal whose thing Cognito no longer knows (one of `gone`) is done already.
pub(super) fn done_if_gone<T, E>(
    sent: Result<T, aws_sdk_cognitoidentityprovider::error::SdkError<E, HttpResponse>>,
    gone: &[&str],
    operation: &str,
) -> Result<(), IdpError>
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match sent {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .and_then(|s| s.code())
                .is_some_and(|c| gone.contains(&c)) =>
        {
            Ok(())
        }
        Err(e) => Err(classify(e, operation)),
    }
}

/// A Document (the SDK's JSON) as JSON text.
pub fn document_json(d: &Document) -> String {
    fn value(d: &Document) -> serde_json::Value {
        use serde_json::Value as V;
        match d {
            Document::Object(m) => {
                V::Object(m.iter().map(|(k, v)| (k.clone(), value(v))).collect())
            }
            Document::Array(a) => V::Array(a.iter().map(value).collect()),
            Document::Number(Number::PosInt(n)) => V::from(*n),
            Document::Number(Number::NegInt(n)) => V::from(*n),
            Document::Number(Number::Float(f)) => V::from(*f),
            Document::String(s) => V::String(s.clone()),
            Document::Bool(b) => V::Bool(*b),
            Document::Null => V::Null,
        }
    }
    value(d).to_string()
}

/// JSON text as a Document; `None` when it is not JSON.
pub fn json_document(json: &str) -> Option<Document> {
    fn doc(v: serde_json::Value) -> Document {
        use serde_json::Value as V;
        match v {
            V::Object(m) => Document::Object(m.into_iter().map(|(k, v)| (k, doc(v))).collect()),
            V::Array(a) => Document::Array(a.into_iter().map(doc).collect()),
            V::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Number::PosInt(u),
                (_, Some(i)) => Number::NegInt(i),
                _ => Number::Float(n.as_f64().unwrap_or(0.0)),
            }),
            V::String(s) => Document::String(s),
            V::Bool(b) => Document::Bool(b),
            V::Null => Document::Null,
        }
    }
    serde_json::from_str(json).ok().map(doc)
}

fn unix(t: &aws_smithy_types::DateTime) -> i64 {
    t.secs()
}

impl Cognito {
    /// `GetUser`: the user's MFA settings and contacts.
    #[tracing::instrument(skip_all)]
    pub async fn get_user(&self, access: &Token) -> Result<UserSecurity, IdpError> {
        let out = self
            .client
            .get_user()
            .access_token(access.expose())
            .send()
            .await
            .map_err(|e| classify(e, "GetUser"))?;
        let attr = |name: &str| {
            out.user_attributes()
                .iter()
                .find(|a| a.name() == name)
                .and_then(|a| a.value())
                .map(str::to_string)
        };
        let verified = |name: &str| attr(name).as_deref() == Some("true");
        Ok(UserSecurity {
            mfa: out
                .user_mfa_setting_list()
                .iter()
                .filter_map(|m| MfaKind::from_wire(m))
                .collect(),
            preferred: out.preferred_mfa_setting().and_then(MfaKind::from_wire),
            email: attr("email"),
            email_verified: verified("email_verified"),
            phone: attr("phone_number"),
            phone_verified: verified("phone_number_verified"),
        })
    }

    /// `GetUserAttributeVerificationCode`: a code to the user's email (`Medium::Email`) or phone
    /// (`Medium::Sms`), to verify it. Returns where it went, when Cognito says.
    #[tracing::instrument(skip_all)]
    pub async fn send_verification_code(
        &self,
        access: &Token,
        contact: Medium,
    ) -> Result<Option<Delivery>, IdpError> {
        let out = self
            .client
            .get_user_attribute_verification_code()
            .access_token(access.expose())
            .attribute_name(attribute_of(contact))
            .send()
            .await
            .map_err(|e| classify(e, "GetUserAttributeVerificationCode"))?;
        Ok(out.code_delivery_details().and_then(delivery_of))
    }

    /// `VerifyUserAttribute`: the code sent to the email or phone; it is verified (and, in a
    /// pool that keeps the original until then, a new value takes effect).
    #[tracing::instrument(skip_all)]
    pub async fn verify_contact(
        &self,
        access: &Token,
        contact: Medium,
        code: &str,
    ) -> Result<(), IdpError> {
        self.client
            .verify_user_attribute()
            .access_token(access.expose())
            .attribute_name(attribute_of(contact))
            .code(code)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "VerifyUserAttribute"))
    }

    /// `UpdateUserAttributes`: a new email address or phone number. Returns where Cognito sent
    /// the code that verifies it, when it did.
    #[tracing::instrument(skip_all)]
    pub async fn change_contact(
        &self,
        access: &Token,
        contact: Medium,
        value: &str,
    ) -> Result<Option<Delivery>, IdpError> {
        let attr = aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
            .name(attribute_of(contact))
            .value(value)
            .build()
            .map_err(|_| IdpError::Unexpected)?;
        let out = self
            .client
            .update_user_attributes()
            .access_token(access.expose())
            .user_attributes(attr)
            .send()
            .await
            .map_err(|e| classify(e, "UpdateUserAttributes"))?;
        Ok(out
            .code_delivery_details_list()
            .iter()
            .find_map(delivery_of))
    }

    /// `AssociateSoftwareToken` with the access token: the secret key of a new authenticator
    /// app (it replaces the old one once verified).
    #[tracing::instrument(skip_all)]
    pub async fn associate_token_for(&self, access: &Token) -> Result<Token, IdpError> {
        let out = self
            .client
            .associate_software_token()
            .access_token(access.expose())
            .send()
            .await
            .map_err(|e| classify(e, "AssociateSoftwareToken"))?;
        out.secret_code()
            .map(Token::from)
            .ok_or(IdpError::Unexpected)
    }

    /// `VerifySoftwareToken` with the access token: the new authenticator's first code.
    #[tracing::instrument(skip_all)]
    pub async fn verify_token_for(
        &self,
        access: &Token,
        code: &str,
        device_name: &str,
    ) -> Result<(), IdpError> {
        let out = self
            .client
            .verify_software_token()
            .access_token(access.expose())
            .user_code(code)
            .friendly_device_name(device_name)
            .send()
            .await
            .map_err(|e| classify(e, "VerifySoftwareToken"))?;
        match out.status() {
            Some(VerifySoftwareTokenResponseType::Success) => Ok(()),
            _ => Err(IdpError::CodeMismatch),
        }
    }

    /// `SetUserMFAPreference`: turns each listed factor on or off, and says which is preferred.
    #[tracing::instrument(skip_all)]
    pub async fn set_mfa_preference(
        &self,
        access: &Token,
        changes: &[MfaPreference],
    ) -> Result<(), IdpError> {
        let mut req = self
            .client
            .set_user_mfa_preference()
            .access_token(access.expose());
        for c in changes {
            req = match c.kind {
                MfaKind::Totp => req.software_token_mfa_settings(
                    SoftwareTokenMfaSettingsType::builder()
                        .enabled(c.enabled)
                        .preferred_mfa(c.preferred)
                        .build(),
                ),
                MfaKind::Sms | MfaKind::SmsOtp => req.sms_mfa_settings(
                    SmsMfaSettingsType::builder()
                        .enabled(c.enabled)
                        .preferred_mfa(c.preferred)
                        .build(),
                ),
                MfaKind::Email => req.email_mfa_settings(
                    EmailMfaSettingsType::builder()
                        .enabled(c.enabled)
                        .preferred_mfa(c.preferred)
                        .build(),
                ),
            };
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "SetUserMFAPreference"))
    }

    /// `ListDevices`: the devices Cognito remembers (the first 60, newest use first).
    #[tracing::instrument(skip_all)]
    pub async fn list_devices(&self, access: &Token) -> Result<Vec<RememberedDevice>, IdpError> {
        let out = self
            .client
            .list_devices()
            .access_token(access.expose())
            .limit(60)
            .send()
            .await
            .map_err(|e| classify(e, "ListDevices"))?;
        let mut devices: Vec<RememberedDevice> = out
            .devices()
            .iter()
            .filter_map(|d| {
                let name = d
                    .device_attributes()
                    .iter()
                    .find(|a| a.name() == "device_name")
                    .and_then(|a| a.value())
                    .map(str::to_string);
                Some(RememberedDevice {
                    key: d.device_key()?.to_string(),
                    name,
                    last_used: d
                        .device_last_authenticated_date()
                        .or(d.device_create_date())
                        .map(unix),
                })
            })
            .collect();
        devices.sort_by_key(|d| std::cmp::Reverse(d.last_used));
        Ok(devices)
    }

    /// `ForgetDevice`. A device Cognito no longer knows is already forgotten.
    #[tracing::instrument(skip_all)]
    pub async fn forget_device(&self, access: &Token, key: &str) -> Result<(), IdpError> {
        let sent = self
            .client
            .forget_device()
            .access_token(access.expose())
            .device_key(key)
            .send()
            .await;
        // The device is gone, or the pool stopped tracking devices: nothing to forget.
        done_if_gone(
            sent,
            &[
                "ResourceNotFoundException",
                "InvalidUserPoolConfigurationException",
            ],
            "ForgetDevice",
        )
    }

    /// `ListWebAuthnCredentials`: the user's passkeys (Cognito allows 20 per user).
    #[tracing::instrument(skip_all)]
    pub async fn list_passkeys(&self, access: &Token) -> Result<Vec<Passkey>, IdpError> {
        let out = self
            .client
            .list_web_authn_credentials()
            .access_token(access.expose())
            .max_results(20)
            .send()
            .await
            .map_err(|e| classify(e, "ListWebAuthnCredentials"))?;
        Ok(out
            .credentials()
            .iter()
            .map(|c| Passkey {
                id: c.credential_id().to_string(),
                name: c.friendly_credential_name().to_string(),
                created: unix(c.created_at()),
                attachment: c.authenticator_attachment().map(str::to_string),
            })
            .collect())
    }

    /// `DeleteWebAuthnCredential`. A passkey Cognito no longer knows (deleted in another tab
    /// or device) is already deleted.
    #[tracing::instrument(skip_all)]
    pub async fn delete_passkey(&self, access: &Token, id: &str) -> Result<(), IdpError> {
        let sent = self
            .client
            .delete_web_authn_credential()
            .access_token(access.expose())
            .credential_id(id)
            .send()
            .await;
        done_if_gone(
            sent,
            &["ResourceNotFoundException"],
            "DeleteWebAuthnCredential",
        )
    }

    /// `StartWebAuthnRegistration`: the `PublicKeyCredentialCreationOptions` (JSON) for the
    /// browser's `navigator.credentials.create`.
    #[tracing::instrument(skip_all)]
    pub async fn start_passkey(&self, access: &Token) -> Result<String, IdpError> {
        let out = self
            .client
            .start_web_authn_registration()
            .access_token(access.expose())
            .send()
            .await
            .map_err(|e| classify(e, "StartWebAuthnRegistration"))?;
        Ok(document_json(out.credential_creation_options()))
    }

    /// `CompleteWebAuthnRegistration` with the browser's credential (its `toJSON()`).
    #[tracing::instrument(skip_all)]
    pub async fn complete_passkey(&self, access: &Token, credential: &str) -> Result<(), IdpError> {
        let doc = json_document(credential).ok_or(IdpError::InvalidParameter)?;
        self.client
            .complete_web_authn_registration()
            .access_token(access.expose())
            .credential(doc)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "CompleteWebAuthnRegistration"))
    }

    /// `ChangePassword` with the user's access token.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        access: &Token,
        current: &str,
        new_password: &str,
    ) -> Result<(), IdpError> {
        self.client
            .change_password()
            .access_token(access.expose())
            .previous_password(current)
            .proposed_password(new_password)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "ChangePassword"))
    }

    /// `GlobalSignOut`: ends every session of the token's user.
    #[tracing::instrument(skip_all)]
    pub async fn global_sign_out(&self, access: &Token) -> Result<(), IdpError> {
        self.client
            .global_sign_out()
            .access_token(access.expose())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "GlobalSignOut"))
    }

    /// `RevokeToken`: invalidates a refresh token and the tokens issued from it.
    #[tracing::instrument(skip_all)]
    pub async fn revoke(&self, refresh: &Token) -> Result<(), IdpError> {
        let mut req = self
            .client
            .revoke_token()
            .token(refresh.expose())
            .client_id(&*self.client_id);
        if let Some(s) = &self.client_secret {
            req = req.client_secret(s.expose_secret());
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "RevokeToken"))
    }
}
