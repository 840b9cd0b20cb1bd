//! Light liveness: the app's screen shows a random colour sequence ([`LightChallenge`]),
//! and the camera must see that sequence reflected by a real, three-dimensional face
//! close to the screen.
//!
//! [`LightCheck`] samples five face regions from the mesh (forehead, both cheeks, nose,
//! chin) and the background beside the face on every frame, fits them to the schedule
//! (ambient light and its drift removed, display + camera lag found), decodes the colour
//! of every step and decides on five components, each reported:
//!
//! | component | what it measures | fails with |
//! |---|---|---|
//! | coverage | frames while the colours were shown, steps seen | [`crate::checks::Reason::LightTooShort`] |
//! | response | correlation with the schedule and the response in grey levels | [`crate::checks::Reason::LightNoResponse`] (no reflection: an injected or replayed video) |
//! | sequence | each step's decoded colour against the challenge | [`crate::checks::Reason::LightWrongSequence`] (a reflection of another schedule: the replay of an earlier session) |
//! | background share | background response / face response | [`crate::checks::Reason::LightWholeFrame`] (the whole picture changes colour: a digital recolouring, a room light) |
//! | relief | cheeks against forehead and nose, measured over predicted from the mesh normals | [`crate::checks::Reason::LightFlatSurface`] (a flat photo or screen held to the camera) |
//!
//! A screen 30 cm from a face lights it far more than the wall behind it (inverse square:
//! a wall 1.5 m away gets about 1/25), and lights the parts of the face that face the
//! screen more than those that turn away (Lambert's cosine law): the last two components
//! are the physics a recording or a flat picture cannot fake with the colours alone.

pub mod challenge;
mod check;
pub(crate) mod decode;

pub use challenge::{LightChallenge, LightChallengeConfig, LightStep};
pub use check::{LightCheck, LightReport, LightThresholds, Relief};
pub use decode::{Fit, REGION_NAMES};
