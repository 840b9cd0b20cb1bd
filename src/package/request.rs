//! Request bodies for the FaceID liveness APIs, with the documented limits enforced
//! before anything is sent.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// Largest image after base64 (3 MiB).
pub const MAX_IMAGE_BASE64: usize = 3 * 1024 * 1024;
/// Largest video after base64 (8 MiB).
pub const MAX_VIDEO_BASE64: usize = 8 * 1024 * 1024;

/// Length of the base64 text of `n` bytes (padded), without building it.
pub const fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The API's `LivenessType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LivenessType {
    /// Read a 4-digit code aloud.
    #[serde(rename = "LIP")]
    Lip,
    /// Actions (blink, open mouth...).
    #[serde(rename = "ACTION")]
    Action,
    /// Just look at the camera.
    #[serde(rename = "SILENT")]
    Silent,
}

impl LivenessType {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            LivenessType::Lip => "LIP",
            LivenessType::Action => "ACTION",
            LivenessType::Silent => "SILENT",
        }
    }
}

/// Which API a body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Api {
    /// `LivenessCompare`: video against a photo.
    LivenessCompare,
    /// `LivenessRecognition`: video against the ID-card photo on record.
    LivenessRecognition,
    /// International `CompareFaceLiveness`.
    CompareFaceLiveness,
}

impl Api {
    /// The `X-TC-Action` value.
    pub fn action(self) -> &'static str {
        match self {
            Api::LivenessCompare => "LivenessCompare",
            Api::LivenessRecognition => "LivenessRecognition",
            Api::CompareFaceLiveness => "CompareFaceLiveness",
        }
    }
}

fn limit(msg: String) -> Error {
    Error::new(ErrorKind::Limit, msg)
}

/// A liveness request under construction. Payloads are borrowed; `to_json` writes the
/// body once, base64 straight into it.
#[derive(Clone)]
pub struct LivenessRequest<'a> {
    api: Api,
    liveness: LivenessType,
    video: &'a [u8],
    image: Option<&'a [u8]>,
    validate_data: String,
    best_frame_num: Option<u8>,
    id_card: Option<String>,
    name: Option<String>,
}

impl std::fmt::Debug for LivenessRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivenessRequest")
            .field("api", &self.api)
            .field("liveness", &self.liveness)
            .field("video_bytes", &self.video.len())
            .field("image_bytes", &self.image.map(<[u8]>::len))
            .field("validate_data", &self.validate_data)
            .field("best_frame_num", &self.best_frame_num)
            .field("id_card", &self.id_card.as_ref().map(|_| "***"))
            .field("name", &self.name.as_ref().map(|_| "***"))
            .finish()
    }
}

fn is_jpeg_or_png(b: &[u8]) -> bool {
    b.starts_with(&[0xff, 0xd8, 0xff]) || b.starts_with(b"\x89PNG\r\n\x1a\n")
}

fn is_video(b: &[u8]) -> bool {
    (b.len() >= 8 && &b[4..8] == b"ftyp")
        || b.starts_with(b"FLV")
        || (b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"AVI ")
}

/// Checks a mainland ID-card number: 17 digits and a check character (digit or `X`),
/// with the ISO 7064 MOD 11-2 checksum. Returns it normalised (upper-case `X`).
pub fn check_id_card(id: &str) -> Result<String> {
    let id = id.trim().to_ascii_uppercase();
    let b = id.as_bytes();
    let shape = b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X');
    if !shape {
        return Err(limit("IdCard must be 17 digits and a digit or X (18 characters)".into()));
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17].iter().zip(W).map(|(c, w)| (c - b'0') as u32 * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    if b[17] != check {
        return Err(limit("IdCard check digit does not match (ISO 7064 MOD 11-2)".into()));
    }
    Ok(id)
}

/// Checks a name: 1 to 32 characters, no control characters.
pub fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    let chars = n.chars().count();
    if chars == 0 || chars > 32 || n.chars().any(char::is_control) {
        return Err(limit("Name must be 1 to 32 printable characters".into()));
    }
    Ok(n.to_string())
}

impl<'a> LivenessRequest<'a> {
    /// `LivenessCompare`: `video` (MP4) against `image` (JPEG/PNG).
    pub fn compare(liveness: LivenessType, video: &'a [u8], image: &'a [u8]) -> Self {
        Self::new(Api::LivenessCompare, liveness, video, Some(image))
    }

    /// `LivenessRecognition`: `video` against the ID-card photo on record.
    pub fn recognition(liveness: LivenessType, video: &'a [u8], id_card: &str, name: &str) -> Self {
        let mut r = Self::new(Api::LivenessRecognition, liveness, video, None);
        r.id_card = Some(id_card.to_string());
        r.name = Some(name.to_string());
        r
    }

    /// International `CompareFaceLiveness` (`ACTION` or `SILENT`).
    pub fn compare_international(liveness: LivenessType, video: &'a [u8], image: &'a [u8]) -> Self {
        Self::new(Api::CompareFaceLiveness, liveness, video, Some(image))
    }

    fn new(api: Api, liveness: LivenessType, video: &'a [u8], image: Option<&'a [u8]>) -> Self {
        LivenessRequest {
            api,
            liveness,
            video,
            image,
            validate_data: String::new(),
            best_frame_num: None,
            id_card: None,
            name: None,
        }
    }

    /// `ValidateData`: the 4-digit code (LIP), the action sequence (ACTION), empty (SILENT).
    #[must_use]
    pub fn validate_data(mut self, v: impl Into<String>) -> Self {
        self.validate_data = v.into();
        self
    }

    /// `Optional: {"BestFrameNum": n}` (2..=10).
    #[must_use]
    pub fn best_frame_num(mut self, n: u8) -> Self {
        self.best_frame_num = Some(n);
        self
    }

    /// Which API.
    pub fn api(&self) -> Api {
        self.api
    }

    /// Checks every documented limit.
    ///
    /// # Errors
    /// [`ErrorKind::Limit`] naming the violated limit.
    pub fn check(&self) -> Result<()> {
        let v64 = base64_len(self.video.len());
        if self.video.is_empty() || v64 > MAX_VIDEO_BASE64 {
            return Err(limit(format!(
                "VideoBase64 must be 1..={MAX_VIDEO_BASE64} characters (8 MB after base64), video gives {v64}"
            )));
        }
        if !is_video(self.video) {
            return Err(limit("VideoBase64 must be an mp4, avi or flv file".into()));
        }
        match self.image {
            Some(img) => {
                let i64 = base64_len(img.len());
                if img.is_empty() || i64 > MAX_IMAGE_BASE64 {
                    return Err(limit(format!(
                        "ImageBase64 must be 1..={MAX_IMAGE_BASE64} characters (3 MB after base64), image gives {i64}"
                    )));
                }
                if !is_jpeg_or_png(img) {
                    return Err(limit("ImageBase64 must be a jpg or png image".into()));
                }
            }
            None if self.api != Api::LivenessRecognition => {
                return Err(limit(format!("{} needs an image", self.api.action())))
            }
            None => {}
        }
        let vd = self.validate_data.as_str();
        match self.liveness {
            LivenessType::Lip => {
                if self.api == Api::CompareFaceLiveness {
                    return Err(limit("CompareFaceLiveness accepts ACTION or SILENT only".into()));
                }
                if vd.len() != 4 || !vd.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(limit("ValidateData for LIP must be the 4-digit code".into()));
                }
            }
            LivenessType::Action => {
                let ok = if self.api == Api::CompareFaceLiveness {
                    crate::checks::action::parse_actions(vd).is_ok()
                } else {
                    vd == "1,2" || vd == "2,1"
                };
                if !ok {
                    return Err(limit(format!(
                        "ValidateData for ACTION must be {} (got {vd:?})",
                        if self.api == Api::CompareFaceLiveness {
                            "action codes 1-4, comma separated"
                        } else {
                            "\"1,2\" or \"2,1\""
                        }
                    )));
                }
            }
            LivenessType::Silent => {
                if !vd.is_empty() {
                    return Err(limit("ValidateData must be empty for SILENT".into()));
                }
            }
        }
        if let Some(n) = self.best_frame_num {
            if !(2..=10).contains(&n) {
                return Err(limit(format!("BestFrameNum must be 2..=10, got {n}")));
            }
        }
        if self.api == Api::LivenessRecognition {
            check_id_card(self.id_card.as_deref().unwrap_or(""))?;
            check_name(self.name.as_deref().unwrap_or(""))?;
        }
        Ok(())
    }

    /// The JSON body, checked. Base64 is written once, straight into the body (about
    /// 1.34x the payload in memory, nothing else the size of it).
    ///
    /// # Errors
    /// As [`LivenessRequest::check`].
    pub fn to_json(&self) -> Result<Vec<u8>> {
        self.check()?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let cap = base64_len(self.video.len()) + self.image.map_or(0, |i| base64_len(i.len())) + 512;
        let mut out = Vec::with_capacity(cap);
        let field = |out: &mut Vec<u8>, first: bool, key: &str| {
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(b"\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
        };
        let push_b64 = |out: &mut Vec<u8>, data: &[u8]| {
            out.push(b'"');
            let start = out.len();
            out.resize(start + base64_len(data.len()), 0);
            // The slice is exactly the padded length, so encoding cannot run out of room.
            let _ = b64.encode_slice(data, &mut out[start..]);
            out.push(b'"');
        };
        let push_str = |out: &mut Vec<u8>, s: &str| {
            // serde_json quoting for the few short text fields.
            out.extend_from_slice(serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()).as_bytes());
        };
        out.push(b'{');
        let mut first = true;
        if let (Some(id), Some(name)) = (&self.id_card, &self.name) {
            field(&mut out, first, "IdCard");
            push_str(&mut out, &check_id_card(id)?);
            field(&mut out, false, "Name");
            push_str(&mut out, &check_name(name)?);
            first = false;
        }
        if let Some(img) = self.image {
            field(&mut out, first, "ImageBase64");
            push_b64(&mut out, img);
            first = false;
        }
        field(&mut out, first, "VideoBase64");
        push_b64(&mut out, self.video);
        field(&mut out, false, "LivenessType");
        push_str(&mut out, self.liveness.as_str());
        field(&mut out, false, "ValidateData");
        push_str(&mut out, &self.validate_data);
        if let Some(n) = self.best_frame_num {
            field(&mut out, false, "Optional");
            push_str(&mut out, &format!("{{\"BestFrameNum\":{n}}}"));
        }
        out.push(b'}');
        Ok(out)
    }
}

/// Which API the request is for, and what it needs besides the video.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestTarget {
    /// The API.
    pub api: Api,
    /// ID-card number (recognition).
    pub id_card: Option<String>,
    /// Name (recognition).
    pub name: Option<String>,
    /// `BestFrameNum` to ask for (2..=10).
    pub best_frame_num: Option<u8>,
}

impl RequestTarget {
    /// `LivenessCompare` (video against a photo).
    pub fn compare() -> RequestTarget {
        RequestTarget { api: Api::LivenessCompare, id_card: None, name: None, best_frame_num: None }
    }

    /// International `CompareFaceLiveness`.
    pub fn international() -> RequestTarget {
        RequestTarget { api: Api::CompareFaceLiveness, ..RequestTarget::compare() }
    }

    /// `LivenessRecognition` (video against the ID-card photo on record).
    pub fn recognition(id_card: impl Into<String>, name: impl Into<String>) -> RequestTarget {
        RequestTarget {
            api: Api::LivenessRecognition,
            id_card: Some(id_card.into()),
            name: Some(name.into()),
            ..RequestTarget::compare()
        }
    }

    /// Asks the API for `n` best frames.
    #[must_use]
    pub fn with_best_frame_num(mut self, n: Option<u8>) -> RequestTarget {
        self.best_frame_num = n;
        self
    }

    /// The request for a `liveness` video (`validate` is the action sequence, the code,
    /// or empty for silent); `image` is the reference photo (compare APIs).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when recognition lacks the ID-card number or name.
    pub fn request<'a>(
        &self,
        liveness: LivenessType,
        video: &'a [u8],
        image: &'a [u8],
        validate: &str,
    ) -> Result<LivenessRequest<'a>> {
        let need = |v: &Option<String>, what: &str| {
            v.clone().ok_or_else(|| Error::new(ErrorKind::Config, format!("{what} is needed for LivenessRecognition")))
        };
        let mut req = match self.api {
            Api::LivenessCompare => LivenessRequest::compare(liveness, video, image),
            Api::CompareFaceLiveness => LivenessRequest::compare_international(liveness, video, image),
            Api::LivenessRecognition => LivenessRequest::recognition(
                liveness,
                video,
                &need(&self.id_card, "the ID-card number")?,
                &need(&self.name, "the name")?,
            ),
        }
        .validate_data(validate);
        if let Some(n) = self.best_frame_num {
            req = req.best_frame_num(n);
        }
        Ok(req)
    }
}

/// Short API names as the CLI and `package.json` write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiName {
    /// `LivenessCompare`.
    Compare,
    /// `LivenessRecognition`.
    Recognition,
    /// `CompareFaceLiveness`.
    Intl,
}

impl From<Api> for ApiName {
    fn from(a: Api) -> ApiName {
        match a {
            Api::LivenessCompare => ApiName::Compare,
            Api::LivenessRecognition => ApiName::Recognition,
            Api::CompareFaceLiveness => ApiName::Intl,
        }
    }
}

impl From<ApiName> for Api {
    fn from(a: ApiName) -> Api {
        match a {
            ApiName::Compare => Api::LivenessCompare,
            ApiName::Recognition => Api::LivenessRecognition,
            ApiName::Intl => Api::CompareFaceLiveness,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_cards() {
        assert_eq!(check_id_card("11010519491231002x").unwrap(), "11010519491231002X");
        // The API documentation's sample number has a wrong check digit.
        assert!(check_id_card("11204416541220243X").is_err());
        assert!(check_id_card("11204416541220243").is_err());
        assert!(check_id_card("112044165412202431").is_err());
        assert!(check_id_card("1120441654122024AX").is_err());
        assert!(check_name("韦小宝").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name(&"名".repeat(33)).is_err());
    }

    #[test]
    fn base64_length_math() {
        for n in 0..20 {
            let s = base64::engine::general_purpose::STANDARD.encode(vec![0u8; n]);
            assert_eq!(base64_len(n), s.len());
        }
    }
}
