//! The OpenID Connect provider's published parts: discovery, the JWKS, signing keys sealed at
//! rest, tokens that verify with the published key, and rotation.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use datong::clock::ManualClock;
use datong::crypto::secret_box::SecretBox;
use datong::oidc::SigningKeys;
use datong::store::entities::signing_key;
use datong::tokens::jwt::{self, JwtError};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::support::{each_database, start_time, test_app};

#[tokio::test]
async fn discovery_names_every_endpoint_under_the_issuer() {
    let app = test_app().await;
    let reply = app.get("/.well-known/openid-configuration", None).await;
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    let issuer = doc["issuer"].as_str().unwrap().to_string();
    assert_eq!(issuer, "http://127.0.0.1:3000");
    for (key, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("userinfo_endpoint", "/oauth/userinfo"),
        ("jwks_uri", "/oauth/jwks"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("end_session_endpoint", "/oauth/logout"),
    ] {
        assert_eq!(doc[key], format!("{issuer}{path}"), "{key}");
    }
    // Authorization code only, PKCE with S256, RS256 ID tokens, iss on the redirect.
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(
        doc["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "urn:datong:params:oauth:grant-type:wechat"
        ])
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        doc["scopes_supported"],
        json!(["openid", "profile", "phone", "offline_access"])
    );
}

#[tokio::test]
async fn the_jwks_publishes_an_rsa_and_an_ec_signing_key_named_by_their_thumbprints() {
    let app = test_app().await;
    let reply = app.get("/oauth/jwks", None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("cache-control").unwrap().contains("max-age"));
    let doc = reply.json();
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{doc}");
    use sha2::Digest;
    // The access-token key: P-256, RFC 7638 thumbprint as kid.
    let ec = keys.iter().find(|k| k["kty"] == "EC").unwrap();
    assert_eq!(ec["alg"], "ES256");
    assert_eq!(ec["crv"], "P-256");
    assert_eq!(ec["use"], "sig");
    assert!(ec.get("d").is_none(), "no private part");
    for coordinate in ["x", "y"] {
        let bytes = URL_SAFE_NO_PAD
            .decode(ec[coordinate].as_str().unwrap())
            .unwrap();
        assert_eq!(bytes.len(), 32, "{coordinate}");
    }
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        ec["x"].as_str().unwrap(),
        ec["y"].as_str().unwrap()
    );
    assert_eq!(
        ec["kid"],
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
    );
    let key = keys.iter().find(|k| k["kty"] == "RSA").unwrap();
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["e"], "AQAB");
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256, "a 2048-bit modulus");
    assert!(
        key.get("d").is_none() && key.get("p").is_none(),
        "no private part"
    );
    // RFC 7638: the kid is the SHA-256 thumbprint of the public key.
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        key["e"].as_str().unwrap(),
        key["n"].as_str().unwrap()
    );
    assert_eq!(
        key["kid"],
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
    );
    // The same key on the next call.
    assert_eq!(app.get("/oauth/jwks", None).await.json(), doc);
}

#[tokio::test]
async fn signed_tokens_verify_with_the_published_key_and_survive_a_rotation() {
    each_database(|db, name| async move {
        let clock = Arc::new(ManualClock::new(start_time()));
        let secrets = SecretBox::new(&[5u8; 32]);
        let keys = SigningKeys::new(db.clone(), secrets.clone(), clock.clone());
        let claims = json!({"sub": "u1", "aud": "dt_client"});

        let first = keys.sign("JWT", &claims).await.unwrap();
        let published = keys.jwks().await.unwrap().keys;
        assert_eq!(published.len(), 2, "{name}: an RSA key and an EC key");
        assert_eq!(jwt::verify(&first, &published).unwrap(), claims, "{name}");
        assert_eq!(alg_of(&first), "RS256");

        // Access tokens are ES256, by the EC key the JWKS publishes; tampering fails the same.
        let access = keys.sign_access(&claims).await.unwrap();
        assert_eq!(alg_of(&access), "ES256");
        assert_eq!(jwt::verify(&access, &published).unwrap(), claims, "{name}");
        assert!(keys.verify(&access).await.unwrap().is_ok(), "{name}");
        let p: Vec<&str> = access.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            p[0],
            URL_SAFE_NO_PAD.encode(br#"{"sub":"admin"}"#),
            p[2]
        );
        assert_eq!(jwt::verify(&forged, &published), Err(JwtError::Signature));
        // An ES256 header naming the RSA key's kid (or the reverse) finds no key.
        let rsa_kid = published
            .iter()
            .find(|k| k.alg == "RS256")
            .unwrap()
            .kid
            .clone();
        let header = format!(r#"{{"alg":"ES256","kid":"{rsa_kid}","typ":"at+jwt"}}"#);
        let confused = format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(header), p[1], p[2]);
        assert_eq!(
            jwt::verify(&confused, &published),
            Err(JwtError::UnknownKey)
        );

        // A changed payload or signature does not verify.
        let parts: Vec<&str> = first.split('.').collect();
        let forged_claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"admin","aud":"dt_client"}"#);
        let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
        assert_eq!(jwt::verify(&forged, &published), Err(JwtError::Signature));
        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        sig[10] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(jwt::verify(&flipped, &published), Err(JwtError::Signature));
        // `alg: none` is refused outright.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"x","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(jwt::verify(&none, &published), Err(JwtError::Algorithm));

        // The private key is sealed at rest: the row is not the key, and only the master key
        // with the kid as associated data opens it.
        let rows = signing_key::Entity::find().all(&db).await.unwrap();
        let row = &rows[0];
        let der = secrets
            .open(
                &row.private_sealed,
                format!("oidc-key:{}", row.kid).as_bytes(),
            )
            .unwrap();
        assert!(ring::signature::RsaKeyPair::from_pkcs8(&der).is_ok());
        let ec_kid = row.ec_kid.clone().unwrap();
        let ec_der = secrets
            .open(
                row.ec_private_sealed.as_ref().unwrap(),
                format!("oidc-key:{ec_kid}").as_bytes(),
            )
            .unwrap();
        assert!(
            ring::signature::EcdsaKeyPair::from_pkcs8(
                &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &ec_der,
                &ring::rand::SystemRandom::new()
            )
            .is_ok()
        );
        assert!(
            !row.private_sealed
                .windows(32)
                .any(|w| der.windows(32).any(|d| d == w)),
            "{name}: key material stored in clear"
        );
        assert!(
            SecretBox::new(&[6u8; 32])
                .open(
                    &row.private_sealed,
                    format!("oidc-key:{}", row.kid).as_bytes()
                )
                .is_err()
        );

        // Rotation: new tokens carry the new kid; the old token still verifies.
        let old_kid = rsa_kid.clone();
        assert!(keys.verify(&first).await.unwrap().is_ok(), "{name}");
        clock.advance(Duration::minutes(5));
        let new_kid = keys.rotate().await.unwrap();
        assert_ne!(new_kid, old_kid);
        let second = keys.sign("JWT", &claims).await.unwrap();
        let header: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(second.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["kid"], new_kid.as_str(), "{name}");
        let published = keys.jwks().await.unwrap().keys;
        let kids: Vec<&str> = published
            .iter()
            .filter(|k| k.alg == "RS256")
            .map(|k| k.kid.as_str())
            .collect();
        assert_eq!(kids, [new_kid.as_str(), old_kid.as_str()], "{name}");
        // The access-token key rotated with it; the old access token still verifies.
        let second_access = keys.sign_access(&claims).await.unwrap();
        assert_ne!(kid_of(&second_access), kid_of(&access), "{name}");
        assert!(jwt::verify(&access, &published).is_ok(), "{name}");
        assert!(jwt::verify(&second_access, &published).is_ok(), "{name}");
        assert!(jwt::verify(&first, &published).is_ok());
        assert!(jwt::verify(&second, &published).is_ok());
        assert!(keys.verify(&first).await.unwrap().is_ok(), "{name}");
        assert!(keys.verify(&second).await.unwrap().is_ok(), "{name}");

        // Once every token it signed has expired, the old key leaves the JWKS.
        clock.advance(Duration::hours(26));
        let published = keys.jwks().await.unwrap().keys;
        assert_eq!(published.len(), 2, "{name}");
        assert_eq!(jwt::verify(&first, &published), Err(JwtError::UnknownKey));
        assert_eq!(jwt::verify(&access, &published), Err(JwtError::UnknownKey));
        assert!(jwt::verify(&second, &published).is_ok());
        assert_eq!(
            keys.verify(&first).await.unwrap(),
            Err(JwtError::UnknownKey),
            "{name}: the cached keys expire with the JWKS"
        );

        // Another instance on the same database signs with the same current key.
        let other = SigningKeys::new(db.clone(), secrets.clone(), clock.clone());
        let third = other.sign("JWT", &claims).await.unwrap();
        assert!(third.starts_with(second.split('.').next().unwrap()));

        // A key another instance adds verifies here at once, although this instance read the
        // keys only a moment ago.
        assert!(keys.verify(&third).await.unwrap().is_ok(), "{name}");
        clock.advance(Duration::seconds(2));
        other.rotate().await.unwrap();
        let fourth = other.sign("JWT", &claims).await.unwrap();
        assert!(keys.verify(&fourth).await.unwrap().is_ok(), "{name}");
        let at = fourth.len() - 10;
        let swap = if &fourth[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{swap}{}", &fourth[..at], &fourth[at + 1..]);
        assert_eq!(
            keys.verify(&tampered).await.unwrap(),
            Err(JwtError::Signature),
            "{name}"
        );
    })
    .await;
}

/// A key row written before access tokens had their own key gets one when the first access
/// token is signed; two instances doing so at once end with the same one.
#[tokio::test]
async fn a_key_from_before_access_token_keys_gets_one_at_its_first_access_token() {
    each_database(|db, name| async move {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, QueryFilter};
        let clock = Arc::new(ManualClock::new(start_time()));
        let secrets = SecretBox::new(&[5u8; 32]);
        let keys = SigningKeys::new(db.clone(), secrets.clone(), clock.clone());
        let kid = keys.ensure().await.unwrap();
        signing_key::Entity::update_many()
            .col_expr(
                signing_key::Column::EcKid,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                signing_key::Column::EcPrivateSealed,
                Expr::value(Option::<Vec<u8>>::None),
            )
            .col_expr(
                signing_key::Column::EcX,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                signing_key::Column::EcY,
                Expr::value(Option::<String>::None),
            )
            .filter(signing_key::Column::Kid.eq(kid.clone()))
            .exec(&db)
            .await
            .unwrap();
        assert_eq!(keys.jwks().await.unwrap().keys.len(), 1, "{name}: RSA only");

        let other = SigningKeys::new(db.clone(), secrets.clone(), clock.clone());
        let claims = json!({"sub": "u1"});
        let (a, b) = tokio::join!(keys.sign_access(&claims), other.sign_access(&claims));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(kid_of(&a), kid_of(&b), "{name}: one EC key for the row");
        let published = keys.jwks().await.unwrap().keys;
        assert_eq!(published.len(), 2, "{name}");
        assert!(jwt::verify(&a, &published).is_ok() && jwt::verify(&b, &published).is_ok());
        // ID tokens still come from the same RSA key.
        assert_eq!(kid_of(&keys.sign("JWT", &claims).await.unwrap()), kid);
        // `access_token_alg = "RS256"` (for every clone): access tokens by the RSA key.
        keys.clone().set_es256_access(false);
        let rs = keys.sign_access(&claims).await.unwrap();
        assert_eq!(
            (alg_of(&rs), kid_of(&rs)),
            ("RS256".to_string(), kid.clone())
        );
        assert_eq!(header_of(&rs, "typ"), "at+jwt");
        assert!(jwt::verify(&rs, &published).is_ok(), "{name}");
    })
    .await;
}

/// A compact JWT's header field `field`.
fn header_of(token: &str, field: &str) -> String {
    let header = URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header[field].as_str().unwrap().to_string()
}

fn alg_of(token: &str) -> String {
    header_of(token, "alg")
}

fn kid_of(token: &str) -> String {
    header_of(token, "kid")
}
