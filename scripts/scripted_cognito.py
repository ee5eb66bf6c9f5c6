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
- `RevokeToken`, `GlobalSignOut`: accepted. Anything else: `UnknownOperationException`.

Listens on 127.0.0.1 only: `python scripted_cognito.py PORT`.
"""
import base64
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": jwt(claims),
            "IdToken": jwt({**claims, "email": f"{username}@example.com"}),
            "RefreshToken": secrets.token_urlsafe(64),
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
        },
    }


def check_password(password):
    if password != PASSWORD:
        raise Refusal("NotAuthorizedException", "Incorrect username or password.")


def initiate_auth(body):
    params = body.get("AuthParameters", {})
    username = params.get("USERNAME", "")
    flow = body.get("AuthFlow")
    if flow == "USER_PASSWORD_AUTH" or (flow == "USER_AUTH" and "PASSWORD" in params):
        check_password(params.get("PASSWORD"))
        return select_mfa(username)
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
        check_password(answers.get("PASSWORD"))
        return select_mfa(username)
    raise Refusal("InvalidParameterException", f"{name} with answer {answer} is not scripted")


OPERATIONS = {
    "InitiateAuth": initiate_auth,
    "RespondToAuthChallenge": respond,
    "RevokeToken": lambda body: {},
    "GlobalSignOut": lambda body: {},
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
        try:
            if operation not in OPERATIONS:
                raise Refusal("UnknownOperationException", f"{operation} is not scripted")
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
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
