//! `COGNITO_*`, `AWS_REGION`, `AWS_ENDPOINT_URL`: the user pool, the app client and how Cognito
//! is called.

use super::*;

/// The user pool, the app client and how Cognito is called.
#[derive(Clone, Debug)]
pub struct CognitoSettings {
    /// `COGNITO_USER_POOL_ID`, e.g. `eu-west-1_AbCdEf123`.
    pub user_pool_id: String,
    /// `COGNITO_CLIENT_ID`: the app client users sign in through.
    pub client_id: String,
    /// `COGNITO_CLIENT_SECRET`: set when the app client has a secret; every call then carries
    /// a `SECRET_HASH`.
    pub client_secret: Option<SecretString>,
    /// `AWS_REGION`: the region of the user pool.
    pub region: String,
    /// `COGNITO_TIMEOUT_MS`: the longest a Cognito call may take, retries included (default
    /// 10 s; each attempt gets at most 5 s and the connection 3 s).
    pub timeout: Duration,
    /// The Cognito endpoint (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, `AWS_ENDPOINT_URL`,
    /// else the region's public endpoint): host and port, for the readiness check.
    pub endpoint: (String, u16),
    /// The endpoint URL when one of those variables set it (else the SDK's default).
    pub endpoint_url: Option<String>,
    /// `DESCRIBE_USER_POOL`: read the pool's password policy from Cognito at start-up
    /// (default true; needs `cognito-idp:DescribeUserPool`).
    pub describe_user_pool: bool,
}

const POOL_ID_SHAPE: &str = "is malformed: expected <region>_<id>, like eu-west-1_AbCdEf123";

pub(super) fn cognito(get: Get) -> Result<CognitoSettings, ConfigError> {
    let user_pool_id = required(
        get,
        "COGNITO_USER_POOL_ID",
        "the user pool id, like eu-west-1_AbCdEf123",
    )?;
    let (pool_region, pool_suffix) = user_pool_id
        .split_once('_')
        .ok_or_else(|| err("COGNITO_USER_POOL_ID", POOL_ID_SHAPE))?;
    if pool_region.is_empty()
        || pool_suffix.is_empty()
        || !pool_suffix.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(err("COGNITO_USER_POOL_ID", POOL_ID_SHAPE));
    }
    let client_id = required(get, "COGNITO_CLIENT_ID", "the app client id")?;
    if !client_id.chars().all(|c| c.is_ascii_alphanumeric()) || client_id.len() > 128 {
        return Err(err(
            "COGNITO_CLIENT_ID",
            "is malformed: expected letters and digits only",
        ));
    }
    let region = region(get, pool_region)?;
    let (endpoint, endpoint_url) = endpoint(get, &region)?;
    Ok(CognitoSettings {
        client_secret: get("COGNITO_CLIENT_SECRET").map(SecretString::from),
        timeout: millis(get, "COGNITO_TIMEOUT_MS", 10_000, 100, 60_000)?,
        describe_user_pool: boolean(get, "DESCRIBE_USER_POOL", true)?,
        endpoint,
        endpoint_url,
        region,
        client_id,
        user_pool_id: user_pool_id.clone(),
    })
}

pub(super) fn region(get: Get, pool_region: &str) -> Result<String, ConfigError> {
    let region = get("AWS_REGION")
        .or_else(|| get("AWS_DEFAULT_REGION"))
        .ok_or_else(|| {
            err(
                "AWS_REGION",
                "is not set: expected the user pool's region, like eu-west-1",
            )
        })?;
    if region != pool_region {
        return Err(err(
            "AWS_REGION",
            format!("is {region} but COGNITO_USER_POOL_ID is in {pool_region}: expected the pool's region"),
        ));
    }
    Ok(region)
}

/// The Cognito endpoint's host and port, and its URL when one is configured.
pub(super) fn endpoint(
    get: Get,
    region: &str,
) -> Result<((String, u16), Option<String>), ConfigError> {
    let url = get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER").or_else(|| get("AWS_ENDPOINT_URL"));
    let endpoint = url
        .clone()
        .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com"));
    let host_port = url::Url::parse(&endpoint)
        .ok()
        .and_then(|u| Some((u.host_str()?.to_string(), u.port_or_known_default()?)))
        .ok_or_else(|| {
            err(
                "AWS_ENDPOINT_URL",
                format!("is malformed: expected a URL like https://cognito-idp.eu-west-1.amazonaws.com (got {endpoint:?})"),
            )
        })?;
    Ok((host_port, url))
}
