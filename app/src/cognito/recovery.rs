//! Recovery: `ForgotPassword` (a code sent, and where) and `ConfirmForgotPassword`.

use aws_sdk_cognitoidentityprovider::types::DeliveryMediumType;

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
        Ok(out.code_delivery_details().and_then(|d| {
            let medium = match d.delivery_medium()? {
                DeliveryMediumType::Email => Medium::Email,
                DeliveryMediumType::Sms => Medium::Sms,
                _ => return None,
            };
            Some(Delivery {
                medium,
                destination: d.destination()?.to_string(),
            })
        }))
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
