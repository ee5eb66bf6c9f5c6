"""moto's server (the local Cognito emulator) with a deeper listen queue, the calls the app
makes that moto 5.2.5 lacks, and the account states it does not emulate.

werkzeug listens with a backlog of 128; under the 500-flow load test the app's connections
overflow it and the kernel drops SYNs, which shows up as 1-3 s connect delays.

`GetTokensFromRefreshToken` (how the app refreshes tokens, with or without refresh token
rotation) is answered like moto's own `InitiateAuth(REFRESH_TOKEN_AUTH)`, the client secret
checked as Cognito checks it (the call carries the secret itself, not a SECRET_HASH). Rotation
is not emulated (moto has no such client setting): the aws-smithy-mocks tests in
app/src/account/tests.rs cover a rotated token, its reuse, and two requests at once.

Account states, as Cognito answers them (../shared/EMULATORS.md lists what moto does instead):
- a temporary password past the pool's `TemporaryPasswordValidityDays` (counted from the
  invitation; 0 days: expired at once, which is how the tests make one) is refused, with the
  right password only, as "Temporary password has expired and must be reset by an
  administrator.";
- `ForgotPassword` refuses an invited user who never chose a password ("User password cannot be
  reset in the current state.") and finds no verified contact for a sign-up never confirmed;
- `AdminCreateUser` with `MessageAction=RESEND` keeps the user (attributes, `sub`) and gives a
  new temporary password and a new validity period (moto replaces the user);
- `ResendConfirmationCode` (moto lacks it) issues a six-digit code, kept where the reset codes
  are (the user's `confirmation_code` in /moto-api/data.json); `ConfirmSignUp` checks it and
  verifies the contact it went to;
- `GetUserAttributeVerificationCode` and `VerifyUserAttribute` (moto lacks both) work the same
  way, and `UpdateUserAttributes` of an email or phone number leaves it unverified, with a code
  sent when the pool verifies that attribute itself (`AutoVerifiedAttributes`). (The pool's
  `AttributesRequireVerificationBeforeUpdate`, the old value kept until then, is not emulated:
  the aws-smithy-mocks tests cover what the app does with it.);
- an app client's `ReadAttributes` and `WriteAttributes` hold for the user's own calls:
  `GetUser` leaves out what the client may not read, `UpdateUserAttributes` refuses what it may
  not write (moto ignores both);
- in a pool that requires a second factor, a password sign-in of a user who has none asks to
  set one up (`MFA_SETUP`), as Cognito does (moto signs them in).
"""
import base64
import hashlib
import hmac
import os
import secrets
import sys

# scripts/moto.py (our helper) would shadow the moto package.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

# Authenticator (TOTP) codes are checked for real, with one fixed key for every user.
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")

import werkzeug.serving  # noqa: E402

werkzeug.serving.BaseWSGIServer.request_queue_size = 4096

from moto.server import main  # noqa: E402
from moto.cognitoidp import models as cognito_models  # noqa: E402
from moto.cognitoidp.responses import CognitoIdpResponse  # noqa: E402
from moto.core.exceptions import JsonRESTError  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402


def get_tokens_from_refresh_token(self):
    client_id = self._get_param("ClientId")
    refresh_token = self._get_param("RefreshToken")
    secret = self._get_param("ClientSecret")
    agnostic = self._get_region_agnostic_backend()
    params = {"REFRESH_TOKEN": refresh_token}
    for pool in agnostic._find_backend_for_clientid(client_id).user_pools.values():
        client = pool.clients.get(client_id)
        known = pool.refresh_tokens.get(refresh_token)
        if client and known and client.generate_secret:
            if secret != client.secret:
                raise cognito_models.NotAuthorizedError("Client secret is wrong")
            digest = hmac.new(client.secret.encode(), (known[1] + client.id).encode(), hashlib.sha256)
            params["SECRET_HASH"] = base64.b64encode(digest.digest()).decode()
    return ActionResult(agnostic.initiate_auth(client_id, "REFRESH_TOKEN_AUTH", params))


def admin_delete_software_token(self):
    """AdminDeleteSoftwareToken (moto 5.2.5 lacks it): the user's authenticator app is gone."""
    user = self.backend.admin_get_user(self._get_param("UserPoolId"), self._get_param("Username"))
    user.token_verified = False
    user.software_token_mfa_enabled = False
    return ActionResult({})


EXPIRED = "Temporary password has expired and must be reset by an administrator."
original_initiate_auth = cognito_models.CognitoIdpBackend.initiate_auth
original_forgot_password = cognito_models.CognitoIdpBackend.forgot_password
original_admin_create_user = cognito_models.CognitoIdpBackend.admin_create_user


def pool_of_client(backend, client_id):
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool
    raise cognito_models.ResourceNotFoundError(client_id)


def temporary_password_expired(pool, user):
    policy = pool.extended_config.get("Policies", {}).get("PasswordPolicy", {})
    days = policy.get("TemporaryPasswordValidityDays", 7)
    age = cognito_models.utcnow() - user.create_date
    return age.total_seconds() >= days * 86400


def initiate_auth(self, client_id, auth_flow, auth_parameters):
    if auth_flow != "USER_PASSWORD_AUTH":
        return original_initiate_auth(self, client_id, auth_flow, auth_parameters)
    pool = pool_of_client(self, client_id)
    user = pool._get_user((auth_parameters or {}).get("USERNAME", ""))
    if (
        user
        and user.status == cognito_models.UserStatus.FORCE_CHANGE_PASSWORD
        and user.password == auth_parameters.get("PASSWORD")
        and temporary_password_expired(pool, user)
    ):
        raise cognito_models.NotAuthorizedError(EXPIRED)
    result = original_initiate_auth(self, client_id, auth_flow, auth_parameters)
    if (
        "AuthenticationResult" in result
        and pool.mfa_config == "ON"
        and not user.software_token_mfa_enabled
        and not user.sms_mfa_enabled
    ):
        can = (["SOFTWARE_TOKEN_MFA"] if pool.token_mfa_config == {"Enabled": True} else []) + (
            ["SMS_MFA"] if pool.sms_mfa_config else []
        )
        if can:
            session = secrets.token_hex(16)
            self.sessions[session] = (user.username, pool)
            return {"ChallengeName": "MFA_SETUP", "ChallengeParameters": {"MFAS_CAN_SETUP": can}, "Session": session}
    return result


def forgot_password(self, client_id, username):
    user = pool_of_client(self, client_id)._get_user(username)
    if user and user.status == cognito_models.UserStatus.FORCE_CHANGE_PASSWORD:
        raise cognito_models.NotAuthorizedError("User password cannot be reset in the current state.")
    if user and user.status == cognito_models.UserStatus.UNCONFIRMED:
        raise cognito_models.InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    return original_forgot_password(self, client_id, username)


def admin_create_user(self, user_pool_id, username, message_action, temporary_password, attributes):
    if message_action != "RESEND":
        return original_admin_create_user(
            self, user_pool_id, username, message_action, temporary_password, attributes
        )
    user = self.admin_get_user(user_pool_id, username)
    if user.status != cognito_models.UserStatus.FORCE_CHANGE_PASSWORD:
        raise UnsupportedUserState("The user is not in a state where an invitation can be re-sent.")
    user.password = temporary_password or "Tmp-" + secrets.token_urlsafe(9) + "1!"
    user.create_date = user.last_modified_date = cognito_models.utcnow()
    return user


class UnsupportedUserState(JsonRESTError):
    def __init__(self, message):
        super().__init__(error_type="UnsupportedUserStateException", message=message)


def masked(user):
    email = user.attribute_lookup.get("email")
    if email:
        local, domain = email.split("@", 1)
        return {"Destination": f"{local[0]}***@{domain[0]}***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    phone = user.attribute_lookup.get("phone_number", "+0000")
    return {"Destination": "+*******" + phone[-4:], "DeliveryMedium": "SMS", "AttributeName": "phone_number"}


def unconfirmed_user(response):
    client_id = response._get_param("ClientId")
    backend = response._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
    user = pool_of_client(backend, client_id)._get_user(response._get_param("Username"))
    if not user:
        raise cognito_models.UserNotFoundError("Username/client id combination not found.")
    if user.status != cognito_models.UserStatus.UNCONFIRMED:
        raise cognito_models.InvalidParameterException("User is already confirmed.")
    return user


def resend_confirmation_code(self):
    user = unconfirmed_user(self)
    user.confirmation_code = f"{secrets.randbelow(900000) + 100000}"
    return ActionResult({"CodeDeliveryDetails": masked(user)})


def confirm_sign_up(self):
    user = unconfirmed_user(self)
    code = self._get_param("ConfirmationCode")
    if user.confirmation_code and code != user.confirmation_code:
        raise cognito_models.CodeMismatchException("Invalid verification code provided, please try again.")
    user.status = cognito_models.UserStatus.CONFIRMED
    user.confirmation_code = None
    # The contact the code went to is verified by it.
    attribute = masked(user)["AttributeName"]
    if attribute in user.attribute_lookup:
        user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])
    return ActionResult({})


def token_user(response):
    """The user and pool of the request's access token."""
    token = response._get_param("AccessToken")
    backend = response._get_region_agnostic_backend()._find_backend_by_access_token(token)
    for pool in backend.user_pools.values():
        if token in pool.access_tokens:
            return backend.admin_get_user(pool.id, pool.access_tokens[token][1]), pool
    raise cognito_models.NotAuthorizedError("Invalid Access Token")


def delivery_to(user, attribute):
    value = user.attribute_lookup.get(attribute)
    if not value:
        raise cognito_models.InvalidParameterException(f"The user has no {attribute}.")
    if attribute == "email":
        local, domain = value.split("@", 1)
        return {"Destination": f"{local[0]}***@{domain[0]}***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    return {"Destination": "+*******" + value[-4:], "DeliveryMedium": "SMS", "AttributeName": "phone_number"}


def get_user_attribute_verification_code(self):
    user, _ = token_user(self)
    details = delivery_to(user, self._get_param("AttributeName"))
    user.confirmation_code = f"{secrets.randbelow(900000) + 100000}"
    return ActionResult({"CodeDeliveryDetails": details})


def verify_user_attribute(self):
    user, _ = token_user(self)
    attribute = self._get_param("AttributeName")
    if not user.confirmation_code or self._get_param("Code") != user.confirmation_code:
        raise cognito_models.CodeMismatchException("Invalid verification code provided, please try again.")
    user.confirmation_code = None
    user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])
    return ActionResult({})


original_update_user_attributes = CognitoIdpResponse.update_user_attributes
original_get_user = CognitoIdpResponse.get_user


def token_client(response, pool):
    """The app client the request's access token was issued to."""
    client_id = pool.access_tokens[response._get_param("AccessToken")][0]
    return pool.clients.get(client_id)


def get_user(self):
    user, pool = token_user(self)
    readable = token_client(self, pool).extended_config.get("ReadAttributes")
    answer = original_get_user(self)
    if readable:
        attributes = [a for a in user.attributes if a["Name"] in readable or a["Name"] == "sub"]
        answer = ActionResult({**user.to_json(extended=True, attributes_key="UserAttributes"), "UserAttributes": attributes})
    return answer


def update_user_attributes(self):
    user, pool = token_user(self)
    writable = token_client(self, pool).extended_config.get("WriteAttributes")
    for a in self._get_param("UserAttributes") or []:
        if writable and a["Name"] not in writable:
            raise cognito_models.NotAuthorizedError("A client attempted to write unauthorized attribute")
    changed = [a["Name"] for a in self._get_param("UserAttributes") or [] if a["Name"] in ("email", "phone_number")]
    original_update_user_attributes(self)
    details = []
    for attribute in changed:
        user.update_attributes([{"Name": f"{attribute}_verified", "Value": "false"}])
        if attribute in pool.extended_config.get("AutoVerifiedAttributes", []):
            user.confirmation_code = f"{secrets.randbelow(900000) + 100000}"
            details.append(delivery_to(user, attribute))
    return ActionResult({"CodeDeliveryDetailsList": details} if details else {})


CognitoIdpResponse.get_user_attribute_verification_code = get_user_attribute_verification_code
CognitoIdpResponse.verify_user_attribute = verify_user_attribute
CognitoIdpResponse.update_user_attributes = update_user_attributes
CognitoIdpResponse.get_user = get_user
cognito_models.CognitoIdpBackend.initiate_auth = initiate_auth
cognito_models.CognitoIdpBackend.forgot_password = forgot_password
cognito_models.CognitoIdpBackend.admin_create_user = admin_create_user
CognitoIdpResponse.resend_confirmation_code = resend_confirmation_code
CognitoIdpResponse.confirm_sign_up = confirm_sign_up
CognitoIdpResponse.get_tokens_from_refresh_token = get_tokens_from_refresh_token
CognitoIdpResponse.admin_delete_software_token = admin_delete_software_token

if __name__ == "__main__":
    sys.exit(main())
