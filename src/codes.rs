//! `FailedOperation.*` codes of the FaceID API (from the official error-code list in
//! notes/faceid-error-codes.txt), each with its documented meaning.

/// A `FailedOperation.*` code. Codes this list does not know keep their text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailedOperation {
    /// 未检测到闭眼动作。
    ActionCloseEye,
    /// 脸离屏幕太近。
    ActionFaceClose,
    /// 脸离屏幕太远。
    ActionFaceFar,
    /// 脸离屏幕太左。
    ActionFaceLeft,
    /// 脸离屏幕太右。
    ActionFaceRight,
    /// 未检测到动作配合。
    ActionFirstAction,
    /// 光线太暗。
    ActionLightDark,
    /// 光线太强。
    ActionLightStrong,
    /// 未能检测到完整人脸。
    ActionNodetectFace,
    /// 未检测到张嘴动作。
    ActionOpenMouth,
    /// 比对失败。
    CompareFail,
    /// 比对库源维护中，暂时不可用
    CompareLibServiceUnavailable,
    /// 比对相似度未达到通过标准。
    CompareLowSimilarity,
    /// 调用比对引擎接口出错。
    CompareSystemError,
    /// The video compression failed. Please try again or reduce the size of the input video.
    CompressVideoError,
    /// 图中人脸存在遮挡，请传入无遮挡人脸图片
    CoveredFace,
    /// 数据库异常。
    DbError,
    /// 解密失败。
    DecryptSystemError,
    /// 服务引擎调用失败，请重试
    DetectEngineSystemError,
    /// 文件下载失败。
    DownLoadError,
    /// 文件下载超时。
    DownLoadTimeoutError,
    /// 图片内容为空。
    EmptyImageError,
    /// 加密失败。
    EncryptSystemError,
    /// 文件存储失败，请稍后重试。
    FileSaveError,
    /// 输入的身份证号有误。
    IdFormatError,
    /// 姓名和身份证号不一致，请核实后重试。
    IdNameMisMatch,
    /// 库中无此号，请到户籍所在地进行核实。
    IdNoExistSystem,
    /// 库中无此号照片，请到户籍所在地进行核实。
    IdPhotoNoExist,
    /// 证件图片质量差，请更新后重试。
    IdPhotoPoorQuality,
    /// 客户库自建库或认证中心返照失败，请稍后再试。
    IdPhotoSystemNoanswer,
    /// 姓名/身份证号认证次数超过当日限制，请次日重试
    IdentityAuthLimitExceeded,
    /// 图片模糊。
    ImageBlur,
    /// 图片解码失败。
    ImageDecodeFailed,
    /// 图片中未检测到身份证。
    ImageNoIdCard,
    /// 图片尺寸过大。
    ImageSizeTooLarge,
    /// 未检测到完整人脸，请传入完整人脸图片
    IncompleteFace,
    /// Token不存在
    InvalidTokenParameter,
    /// 检测到多张人脸。
    LifePhotoDetectFaces,
    /// 实人比对没通过。
    LifePhotoDetectFake,
    /// 未能检测到完整人脸。
    LifePhotoDetectNoFaces,
    /// 传入图片分辨率太低，请重新上传。
    LifePhotoPoorQuality,
    /// 传入图片过大或过小。
    LifePhotoSizeError,
    /// 脸部未完整露出。
    LipFaceIncomplete,
    /// 嘴唇动作幅度过小。
    LipMoveSmall,
    /// 视频拉取失败，请重试。
    LipNetFailed,
    /// 视频为空，或大小不合适，请控制录制时长在6s左右。
    LipSizeError,
    /// 视频格式有误。
    LipVideoInvalid,
    /// 视频像素太低。
    LipVideoQuaility,
    /// 未检测到声音。
    LipVoiceDetect,
    /// 视频声音太小。
    LipVoiceLow,
    /// 声音识别失败。
    LipVoiceRecognize,
    /// 人脸检测失败，无法提取比对照。
    LivessBestFrameError,
    /// 活体检测没通过。
    LivessDetectFail,
    /// 疑似非真人录制。
    LivessDetectFake,
    /// 调用活体引擎接口出错。
    LivessSystemError,
    /// 视频实人检测没通过。
    LivessUnknownError,
    /// 输入的姓名有误。
    NameFormatError,
    /// Ocr识别失败。
    OcrFailed,
    /// 图片质量过差，请检查图片质量
    PoorImageQuality,
    /// 调用次数超出限制。
    RequestLimitExceeded,
    /// 实人检测失败。
    SilentDetectFail,
    /// 眼睛检测失败。
    SilentEyeLiveFail,
    /// 视频未检测到人脸。
    SilentFaceDetectFail,
    /// 视频中人脸质量低。
    SilentFaceQualityFail,
    /// 检测到带口罩。
    SilentFaceWithMaskFail,
    /// 嘴巴检测失败。
    SilentMouthLiveFail,
    /// 视频检测中有多个人脸。
    SilentMultiFaceFail,
    /// 疑似翻拍。
    SilentPictureLiveFail,
    /// 实人检测未达到通过标准。
    SilentThreshold,
    /// 视频录制时间过短，请录制2秒以上的视频。
    SilentTooShort,
    /// STS未授权。
    StsUnAuthErrError,
    /// 内部未知错误。
    UnKnown,
    /// 该用户未注册E证通，请先注册并跟权威库核验。
    UnregisteredEid,
    /// 视频解码异常
    VideoDecodeFailed,
    /// 视频时长过长，当前接口最大支持的视频时长为20s。
    VideoDurationExceeded,
    /// A code not in the documented list (kept verbatim, without the prefix).
    Unknown(String),
}

impl FailedOperation {
    /// From `FailedOperation.X` or `X`.
    pub fn from_code(code: &str) -> FailedOperation {
        let name = code.strip_prefix("FailedOperation.").unwrap_or(code);
        match name {
            "ActionCloseEye" => FailedOperation::ActionCloseEye,
            "ActionFaceClose" => FailedOperation::ActionFaceClose,
            "ActionFaceFar" => FailedOperation::ActionFaceFar,
            "ActionFaceLeft" => FailedOperation::ActionFaceLeft,
            "ActionFaceRight" => FailedOperation::ActionFaceRight,
            "ActionFirstAction" => FailedOperation::ActionFirstAction,
            "ActionLightDark" => FailedOperation::ActionLightDark,
            "ActionLightStrong" => FailedOperation::ActionLightStrong,
            "ActionNodetectFace" => FailedOperation::ActionNodetectFace,
            "ActionOpenMouth" => FailedOperation::ActionOpenMouth,
            "CompareFail" => FailedOperation::CompareFail,
            "CompareLibServiceUnavailable" => FailedOperation::CompareLibServiceUnavailable,
            "CompareLowSimilarity" => FailedOperation::CompareLowSimilarity,
            "CompareSystemError" => FailedOperation::CompareSystemError,
            "CompressVideoError" => FailedOperation::CompressVideoError,
            "CoveredFace" => FailedOperation::CoveredFace,
            "DbError" => FailedOperation::DbError,
            "DecryptSystemError" => FailedOperation::DecryptSystemError,
            "DetectEngineSystemError" => FailedOperation::DetectEngineSystemError,
            "DownLoadError" => FailedOperation::DownLoadError,
            "DownLoadTimeoutError" => FailedOperation::DownLoadTimeoutError,
            "EmptyImageError" => FailedOperation::EmptyImageError,
            "EncryptSystemError" => FailedOperation::EncryptSystemError,
            "FileSaveError" => FailedOperation::FileSaveError,
            "IdFormatError" => FailedOperation::IdFormatError,
            "IdNameMisMatch" => FailedOperation::IdNameMisMatch,
            "IdNoExistSystem" => FailedOperation::IdNoExistSystem,
            "IdPhotoNoExist" => FailedOperation::IdPhotoNoExist,
            "IdPhotoPoorQuality" => FailedOperation::IdPhotoPoorQuality,
            "IdPhotoSystemNoanswer" => FailedOperation::IdPhotoSystemNoanswer,
            "IdentityAuthLimitExceeded" => FailedOperation::IdentityAuthLimitExceeded,
            "ImageBlur" => FailedOperation::ImageBlur,
            "ImageDecodeFailed" => FailedOperation::ImageDecodeFailed,
            "ImageNoIdCard" => FailedOperation::ImageNoIdCard,
            "ImageSizeTooLarge" => FailedOperation::ImageSizeTooLarge,
            "IncompleteFace" => FailedOperation::IncompleteFace,
            "InvalidTokenParameter" => FailedOperation::InvalidTokenParameter,
            "LifePhotoDetectFaces" => FailedOperation::LifePhotoDetectFaces,
            "LifePhotoDetectFake" => FailedOperation::LifePhotoDetectFake,
            "LifePhotoDetectNoFaces" => FailedOperation::LifePhotoDetectNoFaces,
            "LifePhotoPoorQuality" => FailedOperation::LifePhotoPoorQuality,
            "LifePhotoSizeError" => FailedOperation::LifePhotoSizeError,
            "LipFaceIncomplete" => FailedOperation::LipFaceIncomplete,
            "LipMoveSmall" => FailedOperation::LipMoveSmall,
            "LipNetFailed" => FailedOperation::LipNetFailed,
            "LipSizeError" => FailedOperation::LipSizeError,
            "LipVideoInvalid" => FailedOperation::LipVideoInvalid,
            "LipVideoQuaility" => FailedOperation::LipVideoQuaility,
            "LipVoiceDetect" => FailedOperation::LipVoiceDetect,
            "LipVoiceLow" => FailedOperation::LipVoiceLow,
            "LipVoiceRecognize" => FailedOperation::LipVoiceRecognize,
            "LivessBestFrameError" => FailedOperation::LivessBestFrameError,
            "LivessDetectFail" => FailedOperation::LivessDetectFail,
            "LivessDetectFake" => FailedOperation::LivessDetectFake,
            "LivessSystemError" => FailedOperation::LivessSystemError,
            "LivessUnknownError" => FailedOperation::LivessUnknownError,
            "NameFormatError" => FailedOperation::NameFormatError,
            "OcrFailed" => FailedOperation::OcrFailed,
            "PoorImageQuality" => FailedOperation::PoorImageQuality,
            "RequestLimitExceeded" => FailedOperation::RequestLimitExceeded,
            "SilentDetectFail" => FailedOperation::SilentDetectFail,
            "SilentEyeLiveFail" => FailedOperation::SilentEyeLiveFail,
            "SilentFaceDetectFail" => FailedOperation::SilentFaceDetectFail,
            "SilentFaceQualityFail" => FailedOperation::SilentFaceQualityFail,
            "SilentFaceWithMaskFail" => FailedOperation::SilentFaceWithMaskFail,
            "SilentMouthLiveFail" => FailedOperation::SilentMouthLiveFail,
            "SilentMultiFaceFail" => FailedOperation::SilentMultiFaceFail,
            "SilentPictureLiveFail" => FailedOperation::SilentPictureLiveFail,
            "SilentThreshold" => FailedOperation::SilentThreshold,
            "SilentTooShort" => FailedOperation::SilentTooShort,
            "StsUnAuthErrError" => FailedOperation::StsUnAuthErrError,
            "UnKnown" => FailedOperation::UnKnown,
            "UnregisteredEid" => FailedOperation::UnregisteredEid,
            "VideoDecodeFailed" => FailedOperation::VideoDecodeFailed,
            "VideoDurationExceeded" => FailedOperation::VideoDurationExceeded,
            other => FailedOperation::Unknown(other.to_string()),
        }
    }

    /// The name without the `FailedOperation.` prefix.
    pub fn name(&self) -> &str {
        match self {
            FailedOperation::ActionCloseEye => "ActionCloseEye",
            FailedOperation::ActionFaceClose => "ActionFaceClose",
            FailedOperation::ActionFaceFar => "ActionFaceFar",
            FailedOperation::ActionFaceLeft => "ActionFaceLeft",
            FailedOperation::ActionFaceRight => "ActionFaceRight",
            FailedOperation::ActionFirstAction => "ActionFirstAction",
            FailedOperation::ActionLightDark => "ActionLightDark",
            FailedOperation::ActionLightStrong => "ActionLightStrong",
            FailedOperation::ActionNodetectFace => "ActionNodetectFace",
            FailedOperation::ActionOpenMouth => "ActionOpenMouth",
            FailedOperation::CompareFail => "CompareFail",
            FailedOperation::CompareLibServiceUnavailable => "CompareLibServiceUnavailable",
            FailedOperation::CompareLowSimilarity => "CompareLowSimilarity",
            FailedOperation::CompareSystemError => "CompareSystemError",
            FailedOperation::CompressVideoError => "CompressVideoError",
            FailedOperation::CoveredFace => "CoveredFace",
            FailedOperation::DbError => "DbError",
            FailedOperation::DecryptSystemError => "DecryptSystemError",
            FailedOperation::DetectEngineSystemError => "DetectEngineSystemError",
            FailedOperation::DownLoadError => "DownLoadError",
            FailedOperation::DownLoadTimeoutError => "DownLoadTimeoutError",
            FailedOperation::EmptyImageError => "EmptyImageError",
            FailedOperation::EncryptSystemError => "EncryptSystemError",
            FailedOperation::FileSaveError => "FileSaveError",
            FailedOperation::IdFormatError => "IdFormatError",
            FailedOperation::IdNameMisMatch => "IdNameMisMatch",
            FailedOperation::IdNoExistSystem => "IdNoExistSystem",
            FailedOperation::IdPhotoNoExist => "IdPhotoNoExist",
            FailedOperation::IdPhotoPoorQuality => "IdPhotoPoorQuality",
            FailedOperation::IdPhotoSystemNoanswer => "IdPhotoSystemNoanswer",
            FailedOperation::IdentityAuthLimitExceeded => "IdentityAuthLimitExceeded",
            FailedOperation::ImageBlur => "ImageBlur",
            FailedOperation::ImageDecodeFailed => "ImageDecodeFailed",
            FailedOperation::ImageNoIdCard => "ImageNoIdCard",
            FailedOperation::ImageSizeTooLarge => "ImageSizeTooLarge",
            FailedOperation::IncompleteFace => "IncompleteFace",
            FailedOperation::InvalidTokenParameter => "InvalidTokenParameter",
            FailedOperation::LifePhotoDetectFaces => "LifePhotoDetectFaces",
            FailedOperation::LifePhotoDetectFake => "LifePhotoDetectFake",
            FailedOperation::LifePhotoDetectNoFaces => "LifePhotoDetectNoFaces",
            FailedOperation::LifePhotoPoorQuality => "LifePhotoPoorQuality",
            FailedOperation::LifePhotoSizeError => "LifePhotoSizeError",
            FailedOperation::LipFaceIncomplete => "LipFaceIncomplete",
            FailedOperation::LipMoveSmall => "LipMoveSmall",
            FailedOperation::LipNetFailed => "LipNetFailed",
            FailedOperation::LipSizeError => "LipSizeError",
            FailedOperation::LipVideoInvalid => "LipVideoInvalid",
            FailedOperation::LipVideoQuaility => "LipVideoQuaility",
            FailedOperation::LipVoiceDetect => "LipVoiceDetect",
            FailedOperation::LipVoiceLow => "LipVoiceLow",
            FailedOperation::LipVoiceRecognize => "LipVoiceRecognize",
            FailedOperation::LivessBestFrameError => "LivessBestFrameError",
            FailedOperation::LivessDetectFail => "LivessDetectFail",
            FailedOperation::LivessDetectFake => "LivessDetectFake",
            FailedOperation::LivessSystemError => "LivessSystemError",
            FailedOperation::LivessUnknownError => "LivessUnknownError",
            FailedOperation::NameFormatError => "NameFormatError",
            FailedOperation::OcrFailed => "OcrFailed",
            FailedOperation::PoorImageQuality => "PoorImageQuality",
            FailedOperation::RequestLimitExceeded => "RequestLimitExceeded",
            FailedOperation::SilentDetectFail => "SilentDetectFail",
            FailedOperation::SilentEyeLiveFail => "SilentEyeLiveFail",
            FailedOperation::SilentFaceDetectFail => "SilentFaceDetectFail",
            FailedOperation::SilentFaceQualityFail => "SilentFaceQualityFail",
            FailedOperation::SilentFaceWithMaskFail => "SilentFaceWithMaskFail",
            FailedOperation::SilentMouthLiveFail => "SilentMouthLiveFail",
            FailedOperation::SilentMultiFaceFail => "SilentMultiFaceFail",
            FailedOperation::SilentPictureLiveFail => "SilentPictureLiveFail",
            FailedOperation::SilentThreshold => "SilentThreshold",
            FailedOperation::SilentTooShort => "SilentTooShort",
            FailedOperation::StsUnAuthErrError => "StsUnAuthErrError",
            FailedOperation::UnKnown => "UnKnown",
            FailedOperation::UnregisteredEid => "UnregisteredEid",
            FailedOperation::VideoDecodeFailed => "VideoDecodeFailed",
            FailedOperation::VideoDurationExceeded => "VideoDurationExceeded",
            FailedOperation::Unknown(s) => s,
        }
    }

    /// The full code `FailedOperation.X` as a static string (`None` for a code this list
    /// does not know).
    pub fn static_code(&self) -> Option<&'static str> {
        Some(match self {
            FailedOperation::ActionCloseEye => "FailedOperation.ActionCloseEye",
            FailedOperation::ActionFaceClose => "FailedOperation.ActionFaceClose",
            FailedOperation::ActionFaceFar => "FailedOperation.ActionFaceFar",
            FailedOperation::ActionFaceLeft => "FailedOperation.ActionFaceLeft",
            FailedOperation::ActionFaceRight => "FailedOperation.ActionFaceRight",
            FailedOperation::ActionFirstAction => "FailedOperation.ActionFirstAction",
            FailedOperation::ActionLightDark => "FailedOperation.ActionLightDark",
            FailedOperation::ActionLightStrong => "FailedOperation.ActionLightStrong",
            FailedOperation::ActionNodetectFace => "FailedOperation.ActionNodetectFace",
            FailedOperation::ActionOpenMouth => "FailedOperation.ActionOpenMouth",
            FailedOperation::CompareFail => "FailedOperation.CompareFail",
            FailedOperation::CompareLibServiceUnavailable => "FailedOperation.CompareLibServiceUnavailable",
            FailedOperation::CompareLowSimilarity => "FailedOperation.CompareLowSimilarity",
            FailedOperation::CompareSystemError => "FailedOperation.CompareSystemError",
            FailedOperation::CompressVideoError => "FailedOperation.CompressVideoError",
            FailedOperation::CoveredFace => "FailedOperation.CoveredFace",
            FailedOperation::DbError => "FailedOperation.DbError",
            FailedOperation::DecryptSystemError => "FailedOperation.DecryptSystemError",
            FailedOperation::DetectEngineSystemError => "FailedOperation.DetectEngineSystemError",
            FailedOperation::DownLoadError => "FailedOperation.DownLoadError",
            FailedOperation::DownLoadTimeoutError => "FailedOperation.DownLoadTimeoutError",
            FailedOperation::EmptyImageError => "FailedOperation.EmptyImageError",
            FailedOperation::EncryptSystemError => "FailedOperation.EncryptSystemError",
            FailedOperation::FileSaveError => "FailedOperation.FileSaveError",
            FailedOperation::IdFormatError => "FailedOperation.IdFormatError",
            FailedOperation::IdNameMisMatch => "FailedOperation.IdNameMisMatch",
            FailedOperation::IdNoExistSystem => "FailedOperation.IdNoExistSystem",
            FailedOperation::IdPhotoNoExist => "FailedOperation.IdPhotoNoExist",
            FailedOperation::IdPhotoPoorQuality => "FailedOperation.IdPhotoPoorQuality",
            FailedOperation::IdPhotoSystemNoanswer => "FailedOperation.IdPhotoSystemNoanswer",
            FailedOperation::IdentityAuthLimitExceeded => "FailedOperation.IdentityAuthLimitExceeded",
            FailedOperation::ImageBlur => "FailedOperation.ImageBlur",
            FailedOperation::ImageDecodeFailed => "FailedOperation.ImageDecodeFailed",
            FailedOperation::ImageNoIdCard => "FailedOperation.ImageNoIdCard",
            FailedOperation::ImageSizeTooLarge => "FailedOperation.ImageSizeTooLarge",
            FailedOperation::IncompleteFace => "FailedOperation.IncompleteFace",
            FailedOperation::InvalidTokenParameter => "FailedOperation.InvalidTokenParameter",
            FailedOperation::LifePhotoDetectFaces => "FailedOperation.LifePhotoDetectFaces",
            FailedOperation::LifePhotoDetectFake => "FailedOperation.LifePhotoDetectFake",
            FailedOperation::LifePhotoDetectNoFaces => "FailedOperation.LifePhotoDetectNoFaces",
            FailedOperation::LifePhotoPoorQuality => "FailedOperation.LifePhotoPoorQuality",
            FailedOperation::LifePhotoSizeError => "FailedOperation.LifePhotoSizeError",
            FailedOperation::LipFaceIncomplete => "FailedOperation.LipFaceIncomplete",
            FailedOperation::LipMoveSmall => "FailedOperation.LipMoveSmall",
            FailedOperation::LipNetFailed => "FailedOperation.LipNetFailed",
            FailedOperation::LipSizeError => "FailedOperation.LipSizeError",
            FailedOperation::LipVideoInvalid => "FailedOperation.LipVideoInvalid",
            FailedOperation::LipVideoQuaility => "FailedOperation.LipVideoQuaility",
            FailedOperation::LipVoiceDetect => "FailedOperation.LipVoiceDetect",
            FailedOperation::LipVoiceLow => "FailedOperation.LipVoiceLow",
            FailedOperation::LipVoiceRecognize => "FailedOperation.LipVoiceRecognize",
            FailedOperation::LivessBestFrameError => "FailedOperation.LivessBestFrameError",
            FailedOperation::LivessDetectFail => "FailedOperation.LivessDetectFail",
            FailedOperation::LivessDetectFake => "FailedOperation.LivessDetectFake",
            FailedOperation::LivessSystemError => "FailedOperation.LivessSystemError",
            FailedOperation::LivessUnknownError => "FailedOperation.LivessUnknownError",
            FailedOperation::NameFormatError => "FailedOperation.NameFormatError",
            FailedOperation::OcrFailed => "FailedOperation.OcrFailed",
            FailedOperation::PoorImageQuality => "FailedOperation.PoorImageQuality",
            FailedOperation::RequestLimitExceeded => "FailedOperation.RequestLimitExceeded",
            FailedOperation::SilentDetectFail => "FailedOperation.SilentDetectFail",
            FailedOperation::SilentEyeLiveFail => "FailedOperation.SilentEyeLiveFail",
            FailedOperation::SilentFaceDetectFail => "FailedOperation.SilentFaceDetectFail",
            FailedOperation::SilentFaceQualityFail => "FailedOperation.SilentFaceQualityFail",
            FailedOperation::SilentFaceWithMaskFail => "FailedOperation.SilentFaceWithMaskFail",
            FailedOperation::SilentMouthLiveFail => "FailedOperation.SilentMouthLiveFail",
            FailedOperation::SilentMultiFaceFail => "FailedOperation.SilentMultiFaceFail",
            FailedOperation::SilentPictureLiveFail => "FailedOperation.SilentPictureLiveFail",
            FailedOperation::SilentThreshold => "FailedOperation.SilentThreshold",
            FailedOperation::SilentTooShort => "FailedOperation.SilentTooShort",
            FailedOperation::StsUnAuthErrError => "FailedOperation.StsUnAuthErrError",
            FailedOperation::UnKnown => "FailedOperation.UnKnown",
            FailedOperation::UnregisteredEid => "FailedOperation.UnregisteredEid",
            FailedOperation::VideoDecodeFailed => "FailedOperation.VideoDecodeFailed",
            FailedOperation::VideoDurationExceeded => "FailedOperation.VideoDurationExceeded",
            FailedOperation::Unknown(_) => return None,
        })
    }

    /// The full code, `FailedOperation.X`.
    pub fn code(&self) -> String {
        format!("FailedOperation.{}", self.name())
    }

    /// The documented meaning (Chinese, as the API documents it).
    pub fn meaning(&self) -> &'static str {
        match self {
            FailedOperation::ActionCloseEye => "未检测到闭眼动作。",
            FailedOperation::ActionFaceClose => "脸离屏幕太近。",
            FailedOperation::ActionFaceFar => "脸离屏幕太远。",
            FailedOperation::ActionFaceLeft => "脸离屏幕太左。",
            FailedOperation::ActionFaceRight => "脸离屏幕太右。",
            FailedOperation::ActionFirstAction => "未检测到动作配合。",
            FailedOperation::ActionLightDark => "光线太暗。",
            FailedOperation::ActionLightStrong => "光线太强。",
            FailedOperation::ActionNodetectFace => "未能检测到完整人脸。",
            FailedOperation::ActionOpenMouth => "未检测到张嘴动作。",
            FailedOperation::CompareFail => "比对失败。",
            FailedOperation::CompareLibServiceUnavailable => "比对库源维护中，暂时不可用",
            FailedOperation::CompareLowSimilarity => "比对相似度未达到通过标准。",
            FailedOperation::CompareSystemError => "调用比对引擎接口出错。",
            FailedOperation::CompressVideoError => {
                "The video compression failed. Please try again or reduce the size of the input video."
            }
            FailedOperation::CoveredFace => "图中人脸存在遮挡，请传入无遮挡人脸图片",
            FailedOperation::DbError => "数据库异常。",
            FailedOperation::DecryptSystemError => "解密失败。",
            FailedOperation::DetectEngineSystemError => "服务引擎调用失败，请重试",
            FailedOperation::DownLoadError => "文件下载失败。",
            FailedOperation::DownLoadTimeoutError => "文件下载超时。",
            FailedOperation::EmptyImageError => "图片内容为空。",
            FailedOperation::EncryptSystemError => "加密失败。",
            FailedOperation::FileSaveError => "文件存储失败，请稍后重试。",
            FailedOperation::IdFormatError => "输入的身份证号有误。",
            FailedOperation::IdNameMisMatch => "姓名和身份证号不一致，请核实后重试。",
            FailedOperation::IdNoExistSystem => "库中无此号，请到户籍所在地进行核实。",
            FailedOperation::IdPhotoNoExist => "库中无此号照片，请到户籍所在地进行核实。",
            FailedOperation::IdPhotoPoorQuality => "证件图片质量差，请更新后重试。",
            FailedOperation::IdPhotoSystemNoanswer => "客户库自建库或认证中心返照失败，请稍后再试。",
            FailedOperation::IdentityAuthLimitExceeded => "姓名/身份证号认证次数超过当日限制，请次日重试",
            FailedOperation::ImageBlur => "图片模糊。",
            FailedOperation::ImageDecodeFailed => "图片解码失败。",
            FailedOperation::ImageNoIdCard => "图片中未检测到身份证。",
            FailedOperation::ImageSizeTooLarge => "图片尺寸过大。",
            FailedOperation::IncompleteFace => "未检测到完整人脸，请传入完整人脸图片",
            FailedOperation::InvalidTokenParameter => "Token不存在",
            FailedOperation::LifePhotoDetectFaces => "检测到多张人脸。",
            FailedOperation::LifePhotoDetectFake => "实人比对没通过。",
            FailedOperation::LifePhotoDetectNoFaces => "未能检测到完整人脸。",
            FailedOperation::LifePhotoPoorQuality => "传入图片分辨率太低，请重新上传。",
            FailedOperation::LifePhotoSizeError => "传入图片过大或过小。",
            FailedOperation::LipFaceIncomplete => "脸部未完整露出。",
            FailedOperation::LipMoveSmall => "嘴唇动作幅度过小。",
            FailedOperation::LipNetFailed => "视频拉取失败，请重试。",
            FailedOperation::LipSizeError => "视频为空，或大小不合适，请控制录制时长在6s左右。",
            FailedOperation::LipVideoInvalid => "视频格式有误。",
            FailedOperation::LipVideoQuaility => "视频像素太低。",
            FailedOperation::LipVoiceDetect => "未检测到声音。",
            FailedOperation::LipVoiceLow => "视频声音太小。",
            FailedOperation::LipVoiceRecognize => "声音识别失败。",
            FailedOperation::LivessBestFrameError => "人脸检测失败，无法提取比对照。",
            FailedOperation::LivessDetectFail => "活体检测没通过。",
            FailedOperation::LivessDetectFake => "疑似非真人录制。",
            FailedOperation::LivessSystemError => "调用活体引擎接口出错。",
            FailedOperation::LivessUnknownError => "视频实人检测没通过。",
            FailedOperation::NameFormatError => "输入的姓名有误。",
            FailedOperation::OcrFailed => "Ocr识别失败。",
            FailedOperation::PoorImageQuality => "图片质量过差，请检查图片质量",
            FailedOperation::RequestLimitExceeded => "调用次数超出限制。",
            FailedOperation::SilentDetectFail => "实人检测失败。",
            FailedOperation::SilentEyeLiveFail => "眼睛检测失败。",
            FailedOperation::SilentFaceDetectFail => "视频未检测到人脸。",
            FailedOperation::SilentFaceQualityFail => "视频中人脸质量低。",
            FailedOperation::SilentFaceWithMaskFail => "检测到带口罩。",
            FailedOperation::SilentMouthLiveFail => "嘴巴检测失败。",
            FailedOperation::SilentMultiFaceFail => "视频检测中有多个人脸。",
            FailedOperation::SilentPictureLiveFail => "疑似翻拍。",
            FailedOperation::SilentThreshold => "实人检测未达到通过标准。",
            FailedOperation::SilentTooShort => "视频录制时间过短，请录制2秒以上的视频。",
            FailedOperation::StsUnAuthErrError => "STS未授权。",
            FailedOperation::UnKnown => "内部未知错误。",
            FailedOperation::UnregisteredEid => "该用户未注册E证通，请先注册并跟权威库核验。",
            FailedOperation::VideoDecodeFailed => "视频解码异常",
            FailedOperation::VideoDurationExceeded => "视频时长过长，当前接口最大支持的视频时长为20s。",
            FailedOperation::Unknown(_) => "未知错误码",
        }
    }
}
