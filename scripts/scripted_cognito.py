"""A scripted Cognito for the browser tests: the challenges moto (5.2.5) never sends.

moto has no `SELECT_MFA_TYPE`, no `EMAIL_OTP` and no `USER_AUTH`, so the pages for them
(`/sign-in/choose`, the email-code page, choice-based sign-in) could only be reached with
aws-smithy-mocks in Rust. This server speaks Cognito's wire protocol (AWS JSON 1.1) for the
few operations a sign-in uses, so a real app instance, in a real browser, can walk them:

- any username, password `Scripted-Passw0rd!` (else `NotAuthorizedException`);
- `InitiateAuth` `USER_PASSWORD_AUTH`, or `USER_AUTH` with a password: `SELECT_MFA_TYPE`
  offering SMS, authenticator app and email;
- `InitiateAuth` `USER_AUTH` without a password: `SELECT_CHALLENGE` with `PASSWORD`,
  `EMAIL_OTP`, `SMS_OTP` and `WEB_AUTHN` available;
- the code challenges take `123456` (a wrong code is `CodeMismatchException` and the session
  stays); every other step uses up its session, so a replayed step is `NotAuthorizedException`
  as in Cognito;
- `RevokeToken`, `GlobalSignOut`, `AdminUserGlobalSignOut`: accepted. Anything else:
  `UnknownOperationException`.

Passkeys, with a real relying party (py_webauthn, `--origin http://localhost:PORT`): users whose
name starts with `passkey-` have no second factor (a password signs them in at once), and with
their access token `GetUser`, `ListWebAuthnCredentials`, `StartWebAuthnRegistration` (options
made by py_webauthn), `CompleteWebAuthnRegistration` (the browser's credential verified by
py_webauthn: a malformed one is refused and not kept) and `DeleteWebAuthnCredential` work as in
Cognito. `InitiateAuth` `USER_AUTH` with `PREFERRED_CHALLENGE=WEB_AUTHN` (or `WEB_AUTHN` chosen
in `SELECT_CHALLENGE`) gives `WEB_AUTHN` with py_webauthn's request options for a user who has a
passkey, else `SELECT_CHALLENGE` as Cognito does; the assertion is verified against the stored
public key and sign count. Users whose name starts with `temporary-` get `NEW_PASSWORD_REQUIRED`
first (the new password then signs them in), then are signed in like `passkey-` users.

Listens on 127.0.0.1 only: `python scripted_cognito.py PORT [--origin ORIGIN]`.
"""
import base64
import json
import secrets
import sys
import time
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

PASSWORD = "Scripted-Passw0rd!"
CODE = "123456"
CODE_KEYS = {
    "SMS_MFA": "SMS_MFA_CODE",
    "SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE",
    "EMAIL_OTP": "EMAIL_OTP_CODE",
    "SMS_OTP": "SMS_OTP_CODE",
}
DESTINATIONS = {
    "SMS_MFA": ("SMS", "+*******0123"),
    "SMS_OTP": ("SMS", "+*******0123"),
    "EMAIL_OTP": ("EMAIL", "j***@e***.com"),
}

# session -> (username, the challenge it answers)
SESSIONS = {}
# access token -> username
ACCESS = {}
# username -> the password a temporary- user chose (the others keep PASSWORD)
PASSWORDS = {}
# username -> [passkey]; a passkey is a dict (id, public key, sign count, name, created, attachment)
PASSKEYS = {}
# username -> the challenge (bytes) of the registration in progress
REGISTERING = {}
# session -> the challenge (bytes) of the WEB_AUTHN step it answers
ASSERTING = {}
LOCK = threading.Lock()
# The relying party: the app's origin as the browser sees it (set from --origin).
ORIGIN = "http://localhost"
PASSKEY_USER = "passkey-"
TEMPORARY_USER = "temporary-"


class Refusal(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def jwt(claims):
    return ".".join([b64({"alg": "none", "kid": "scripted"}), b64(claims), "c2lnbmF0dXJl"])


def challenge(name, username, parameters=None, available=None):
    session = secrets.token_urlsafe(48)
    SESSIONS[session] = (username, name)
    out = {"ChallengeName": name, "Session": session, "ChallengeParameters": parameters or {}}
    if available is not None:
        out["AvailableChallenges"] = available
    return out


def code_challenge(name, username):
    parameters = {"USER_ID_FOR_SRP": username}
    if name in DESTINATIONS:
        medium, destination = DESTINATIONS[name]
        parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] = medium
        parameters["CODE_DELIVERY_DESTINATION"] = destination
    return challenge(name, username, parameters)


def select_mfa(username):
    choose = json.dumps(["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])
    return challenge("SELECT_MFA_TYPE", username, {"MFAS_CAN_CHOOSE": choose, "USER_ID_FOR_SRP": username})


def signed_in(username):
    now = int(time.time())
    claims = {"sub": secrets.token_hex(8), "cognito:username": username, "exp": now + 3600, "iat": now}
    access = jwt({**claims, "jti": secrets.token_hex(8)})
    ACCESS[access] = username
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": access,
            "IdToken": jwt({**claims, "email": f"{username}@example.com"}),
            "RefreshToken": secrets.token_urlsafe(64),
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
        },
    }


def check_password(username, password):
    if password != PASSWORDS.get(username, PASSWORD):
        raise Refusal("NotAuthorizedException", "Incorrect username or password.")


def initiate_auth(body):
    params = body.get("AuthParameters", {})
    username = params.get("USERNAME", "")
    flow = body.get("AuthFlow")
    if flow == "USER_PASSWORD_AUTH" or (flow == "USER_AUTH" and "PASSWORD" in params):
        check_password(username, params.get("PASSWORD"))
        return after_password(username)
    if flow == "USER_AUTH" and params.get("PREFERRED_CHALLENGE") == "WEB_AUTHN" and PASSKEYS.get(username):
        return passkey_challenge(username)
    if flow == "USER_AUTH":
        return challenge("SELECT_CHALLENGE", username, {}, ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"])
    raise Refusal("InvalidParameterException", f"AuthFlow {flow} is not scripted")


def respond(body):
    session = body.get("Session", "")
    answers = body.get("ChallengeResponses", {})
    name = body.get("ChallengeName")
    if session not in SESSIONS or SESSIONS[session][1] != name:
        raise Refusal("NotAuthorizedException", "Invalid session for the user, session is expired.")
    username = SESSIONS[session][0]
    if name == "WEB_AUTHN":
        del SESSIONS[session]
        return passkey_signed_in(username, ASSERTING.pop(session, b""), answers.get("CREDENTIAL", ""))
    if name == "NEW_PASSWORD_REQUIRED":
        del SESSIONS[session]
        if len(answers.get("NEW_PASSWORD", "")) < 8:
            raise Refusal("InvalidPasswordException", "Password does not conform to policy")
        PASSWORDS[username] = answers["NEW_PASSWORD"]
        return signed_in(username)
    if name in CODE_KEYS:
        if answers.get(CODE_KEYS[name]) != CODE:
            raise Refusal("CodeMismatchException", "Invalid code received for user")
        del SESSIONS[session]
        return signed_in(username)
    del SESSIONS[session]
    answer = answers.get("ANSWER")
    if name == "SELECT_MFA_TYPE" and answer in ("SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"):
        return code_challenge(answer, username)
    if name == "SELECT_CHALLENGE" and answer in ("EMAIL_OTP", "SMS_OTP"):
        return code_challenge(answer, username)
    if name == "SELECT_CHALLENGE" and answer == "PASSWORD":
        check_password(username, answers.get("PASSWORD"))
        return after_password(username)
    if name == "SELECT_CHALLENGE" and answer == "WEB_AUTHN":
        if not PASSKEYS.get(username):
            raise Refusal("NotAuthorizedException", "Incorrect username or password.")
        return passkey_challenge(username)
    raise Refusal("InvalidParameterException", f"{name} with answer {answer} is not scripted")


def after_password(username):
    """What follows the right password: a new one, nothing, or a second factor."""
    if username.startswith(TEMPORARY_USER) and username not in PASSWORDS:
        return challenge("NEW_PASSWORD_REQUIRED", username, {"USER_ID_FOR_SRP": username, "requiredAttributes": "[]"})
    if username.startswith((PASSKEY_USER, TEMPORARY_USER)):
        return signed_in(username)
    return select_mfa(username)


# --- Passkeys: py_webauthn is the relying party -------------------------------------------


def rp_id():
    return urlparse(ORIGIN).hostname


def webauthn():
    # Imported here: the other scripted steps need no WebAuthn library.
    import webauthn as w
    from webauthn.helpers import structs

    return w, structs


def user_of(body):
    username = ACCESS.get(body.get("AccessToken", ""))
    if username is None:
        raise Refusal("NotAuthorizedException", "Invalid Access Token")
    return username


def get_user(body):
    username = user_of(body)
    return {
        "Username": username,
        "UserAttributes": [
            {"Name": "sub", "Value": "scripted"},
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        "UserMFASettingList": [],
    }


def list_passkeys(body):
    username = user_of(body)
    return {
        "Credentials": [
            {
                "CredentialId": k["id"],
                "FriendlyCredentialName": k["name"],
                "RelyingPartyId": rp_id(),
                "AuthenticatorAttachment": k["attachment"],
                "AuthenticatorTransports": ["internal"],
                "CreatedAt": k["created"],
            }
            for k in PASSKEYS.get(username, [])
        ]
    }


def start_registration(body):
    username = user_of(body)
    w, structs = webauthn()
    options = w.generate_registration_options(
        rp_id=rp_id(),
        rp_name="Scripted pool",
        user_name=username,
        user_id=username.encode(),
        authenticator_selection=structs.AuthenticatorSelectionCriteria(
            resident_key=structs.ResidentKeyRequirement.REQUIRED,
            user_verification=structs.UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            structs.PublicKeyCredentialDescriptor(id=w.base64url_to_bytes(k["id"]))
            for k in PASSKEYS.get(username, [])
        ],
    )
    REGISTERING[username] = options.challenge
    return {"CredentialCreationOptions": json.loads(w.options_to_json(options))}


def complete_registration(body):
    username = user_of(body)
    w, _ = webauthn()
    challenge_bytes = REGISTERING.pop(username, None)
    if challenge_bytes is None:
        raise Refusal("WebAuthnChallengeNotFoundException", "No registration in progress")
    credential = body.get("Credential")
    try:
        made = w.verify_registration_response(
            credential=credential,
            expected_challenge=challenge_bytes,
            expected_rp_id=rp_id(),
            expected_origin=ORIGIN,
        )
    except Exception as e:  # py_webauthn refuses a malformed or forged credential
        sys.stderr.write(f"registration refused: {type(e).__name__}: {e}\n")
        raise Refusal("WebAuthnClientMismatchException", "The credential could not be verified")
    keys = PASSKEYS.setdefault(username, [])
    keys.append({
        "id": base64.urlsafe_b64encode(made.credential_id).rstrip(b"=").decode(),
        "public_key": made.credential_public_key,
        "sign_count": made.sign_count,
        "name": f"Passkey {len(keys) + 1}",
        "created": int(time.time()),
        "attachment": (credential or {}).get("authenticatorAttachment") or "platform",
    })
    return {}


def delete_passkey(body):
    username = user_of(body)
    before = PASSKEYS.get(username, [])
    after = [k for k in before if k["id"] != body.get("CredentialId")]
    if len(after) == len(before):
        raise Refusal("ResourceNotFoundException", "No such credential")
    PASSKEYS[username] = after
    return {}


def passkey_challenge(username):
    w, structs = webauthn()
    options = w.generate_authentication_options(
        rp_id=rp_id(),
        allow_credentials=[
            structs.PublicKeyCredentialDescriptor(id=w.base64url_to_bytes(k["id"]))
            for k in PASSKEYS.get(username, [])
        ],
        user_verification=structs.UserVerificationRequirement.PREFERRED,
    )
    out = challenge("WEB_AUTHN", username, {"CREDENTIAL_REQUEST_OPTIONS": w.options_to_json(options)})
    ASSERTING[out["Session"]] = options.challenge
    return out


def passkey_signed_in(username, challenge_bytes, credential_json):
    w, _ = webauthn()
    try:
        credential = json.loads(credential_json)
        key = next(k for k in PASSKEYS.get(username, []) if k["id"] == credential.get("id"))
        checked = w.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge_bytes,
            expected_rp_id=rp_id(),
            expected_origin=ORIGIN,
            credential_public_key=key["public_key"],
            credential_current_sign_count=key["sign_count"],
        )
    except Exception as e:  # unknown credential, bad signature, wrong challenge or origin
        sys.stderr.write(f"assertion refused: {type(e).__name__}: {e}\n")
        raise Refusal("NotAuthorizedException", "Incorrect username or password.")
    key["sign_count"] = checked.new_sign_count
    return signed_in(username)


OPERATIONS = {
    "InitiateAuth": initiate_auth,
    "RespondToAuthChallenge": respond,
    "RevokeToken": lambda body: {},
    "GlobalSignOut": lambda body: {},
    "AdminUserGlobalSignOut": lambda body: {},
    "GetUser": get_user,
    "ListWebAuthnCredentials": list_passkeys,
    "StartWebAuthnRegistration": start_registration,
    "CompleteWebAuthnRegistration": complete_registration,
    "DeleteWebAuthnCredential": delete_passkey,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
        try:
            if operation not in OPERATIONS:
                raise Refusal("UnknownOperationException", f"{operation} is not scripted")
            with LOCK:
                status, out = 200, OPERATIONS[operation](body)
        except Refusal as e:
            status, out = 400, {"__type": e.kind, "message": str(e)}
        self.answer(status, out)

    def do_GET(self):
        # The health check the test harness waits for.
        self.answer(200, {"scripted": True})

    def answer(self, status, out):
        data = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        if status != 200:
            self.send_header("x-amzn-ErrorType", out["__type"])
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        # Operation and status only: no body (it holds passwords and codes).
        sys.stderr.write(f"{self.headers.get('X-Amz-Target', '-')} {args[1] if len(args) > 1 else ''}\n")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[2] == "--origin":
        ORIGIN = sys.argv[3]
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
