//! An in-process HTTPS server on loopback: checks each request's TC3 signature with
//! its own implementation, then answers from a script.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub enum Reply {
    Json(u16, String),
    Sleep(Duration),
}

pub struct Server {
    pub url: String,
    pub ca_pem: Vec<u8>,
    pub hits: Arc<AtomicUsize>,
    pub bad_signatures: Arc<AtomicUsize>,
    pub seen: Arc<Mutex<Vec<(String, String)>>>,
}

fn h(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Independent TC3 check from the raw request.
fn verify(headers: &[(String, String)], body: &[u8], key: &str) -> bool {
    let get = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let auth = get("authorization");
    let signed = auth.split("SignedHeaders=").nth(1).and_then(|s| s.split(',').next()).unwrap_or("");
    let sig = auth.split("Signature=").nth(1).unwrap_or("");
    let cred = auth.split("Credential=").nth(1).and_then(|s| s.split(',').next()).unwrap_or("");
    let date = cred.split('/').nth(1).unwrap_or("");
    let ts = get("x-tc-timestamp");
    let canon_headers: String = signed.split(';').map(|k| format!("{k}:{}\n", get(k))).collect();
    let canonical = format!("POST\n/\n\n{canon_headers}\n{signed}\n{}", hexs(&Sha256::digest(body)));
    let sts =
        format!("TC3-HMAC-SHA256\n{ts}\n{date}/faceid/tc3_request\n{}", hexs(&Sha256::digest(canonical.as_bytes())));
    let k = h(&h(&h(format!("TC3{key}").as_bytes(), date.as_bytes()), b"faceid"), b"tc3_request");
    hexs(&h(&k, sts.as_bytes())) == sig
}

pub fn start(key: &'static str, script: Vec<Reply>) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let ca_pem = ck.cert.pem().into_bytes();
    let cert = rustls::pki_types::CertificateDer::from(ck.cert.der().to_vec());
    let keyder = rustls::pki_types::PrivateKeyDer::try_from(ck.signing_key.serialize_der()).unwrap();
    let config =
        Arc::new(rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(vec![cert], keyder).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let bad = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (h2, b2, s2) = (hits.clone(), bad.clone(), seen.clone());
    let script = Arc::new(Mutex::new(script.into_iter()));
    std::thread::Builder::new()
            .name("test-https".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(mut tcp) = stream else { continue };
                    let Ok(mut conn) = rustls::ServerConnection::new(config.clone()) else { continue };
                    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
                    let mut reader = BufReader::new(&mut tls);
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        continue;
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut l = String::new();
                        if reader.read_line(&mut l).is_err() || l.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = l.split_once(':') {
                            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                        }
                    }
                    let len: usize = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
                    let mut body = vec![0u8; len];
                    if reader.read_exact(&mut body).is_err() {
                        continue;
                    }
                    h2.fetch_add(1, Ordering::SeqCst);
                    if !verify(&headers, &body, key) {
                        b2.fetch_add(1, Ordering::SeqCst);
                    }
                    let action = headers.iter().find(|(k, _)| k == "x-tc-action").map(|(_, v)| v.clone()).unwrap_or_default();
                    s2.lock().unwrap().push((action, String::from_utf8_lossy(&body).into_owned()));
                    let reply = script.lock().unwrap().next();
                    let (status, text) = match reply {
                        Some(Reply::Json(s, t)) => (s, t),
                        Some(Reply::Sleep(d)) => {
                            std::thread::sleep(d);
                            (200, "{}".into())
                        }
                        None => (200, r#"{"Response": {"Error": {"Code": "Test.ScriptEnded", "Message": "no more replies"}, "RequestId": "z"}}"#.into()),
                    };
                    let resp = format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len());
                    let _ = tls.write_all(resp.as_bytes());
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            })
            .unwrap();
    Server { url: format!("https://localhost:{port}"), ca_pem, hits, bad_signatures: bad, seen }
}
