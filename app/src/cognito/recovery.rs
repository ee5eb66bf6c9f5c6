//! Recovery: `ForgotPassword` (a code sent, and where) and `ConfirmForgotPassword`; a sign-up
//! never confirmed: `ResendConfirmationCode` and `ConfirmSignUp`.

use aws_sdk_cognitoidentityprovider::types::{CodeDeliveryDetailsType, DeliveryMediumType};

use super::{classify, Cognito, Delivery, IdpError, Medium};

impl Cognito {
    /// `ForgotPassword`: sends a reset code. Returns where it went, when Cognito says.
    #[tracing::instrument(skip_all)]
    pub async fn forgot_password(&self, username: &str) -> Result<Option<Delivery>, IdpError> {
        let mut req = self
            .client
            .forgot_password()
            .client_id(&*self.client_id)
            .username(username)
            .set_user_context_data(self.context());
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify(e, "ForgotPassword"))?;
        Ok(out.code_delivery_details().and_then(delivery_of))
    }

    /// `ResendConfirmationCode`: the sign-up's confirmation code again, for a user who never
    /// confirmed (`UNCONFIRMED`). Returns where it went, when Cognito says.
    #[tracing::instrument(skip_all)]
    pub async fn resend_confirmation_code(
        &self,
        username: &str,
    ) -> Result<Option<Delivery>, IdpError> {
        let mut req = self
            .client
            .resend_confirmation_code()
            .client_id(&*self.client_id)
            .username(username)
            .set_user_context_data(self.context());
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify(e, "ResendConfirmationCode"))?;
        Ok(out.code_delivery_details().and_then(delivery_of))
    }

    /// `ConfirmSignUp`: the sign-up's code; the user is confirmed (and the contact the code
    /// went to verified).
    #[tracing::instrument(skip_all)]
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<(), IdpError> {
        let mut req = self
            .client
            .confirm_sign_up()
            .client_id(&*self.client_id)
            .username(username)
            .confirmation_code(code)
            .set_user_context_data(self.context());
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "ConfirmSignUp"))
    }

    /// `ConfirmForgotPassword`: sets the new password with the code.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), IdpError> {
        let mut req = self
            .client
            .confirm_forgot_password()
            .client_id(&*self.client_id)
            .username(username)
            .confirmation_code(code)
            .password(new_password)
            .set_user_context_data(self.context());
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "ConfirmForgotPassword"))
    }
}

/// Where Cognito says a code went (email or text message only).
pub(super) fn delivery_of(d: &CodeDeliveryDetailsType) -> Option<Delivery> {
    let medium = match d.delivery_medium()? {
        DeliveryMediumType::Email => Medium::Email,
        DeliveryMediumType::Sms => Medium::Sms,
        _ => return None,
    };
    Some(Delivery {
        medium,
        destination: d.destination()?.to_string(),
    })
}
