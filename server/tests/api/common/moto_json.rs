//! The one Rust call of moto's JSON API (Cognito's wire protocol), shared by the integration
//! tests (`common::moto_call`) and the load generator (`examples/loadgen.rs`).

use serde_json::Value;

/// Calls Cognito `action` on the moto at `endpoint`: its answer, or why it failed.
pub async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    action: &str,
    body: &Value,
) -> Result<Value, String> {
    let r = http
        .post(format!("{endpoint}/"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("X-Amz-Target", format!("AWSCognitoIdentityProviderService.{action}"))
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=x",
        )
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("{action}: {e}"))?;
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        Ok(v)
    } else {
        Err(format!("{action} failed: {status} {v}"))
    }
}
