//! The Cognito stub that `bench` and `bench bytes` (the byte budget in `make test`) reach the
//! pages through: it answers the calls that lead to each page and refuses the rest. (This
//! test is also what makes `cargo test` build the `bench` binary that `make test` runs.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

struct Stub(std::process::Child);

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One call to the stub on Cognito's wire protocol: the status line and the body.
fn call(port: u16, op: &str, body: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_string();
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[test]
fn the_stub_leads_each_user_to_its_page_and_refuses_what_it_does_not_know() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("stub")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _stub = Stub(child);
    let port: u16 = line.trim().parse().unwrap();

    let (status, body) = call(port, "ForgotPassword", r#"{"Username":"x"}"#);
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("CodeDeliveryDetails"), "{body}");
    let sign_in = |user: &str| {
        call(
            port,
            "InitiateAuth",
            &format!(r#"{{"AuthParameters":{{"USERNAME":"{user}"}}}}"#),
        )
        .1
    };
    assert!(sign_in("bench-setup").contains("MFA_SETUP"));
    assert!(sign_in("bench-totp").contains("SOFTWARE_TOKEN_MFA"));
    assert!(sign_in("bench-user").contains("AuthenticationResult"));
    let (status, body) = call(port, "AdminDeleteUser", "{}");
    assert!(status.contains(" 400 "), "{status}");
    assert!(body.contains("does not answer AdminDeleteUser"), "{body}");
}
