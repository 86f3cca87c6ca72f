//! The burn backend, chosen at build time: burn's flex CPU backend by default, the ndarray CPU
//! backend with `--features ndarray-backend`, CUDA with `--features cuda` (which builds without a
//! CUDA toolkit and runs where a GPU and its driver are).
//!
//! Code in [`crate::llm`] is generic over `B: Backend` (inference) or `B: AutodiffBackend`
//! (training); these aliases are what the command line and the catalogue instantiate. Flex and
//! ndarray compute the same functions in different orders, so their runs agree to rounding, not
//! bit for bit (`tests/backend_agreement.rs`); each gives the same bits for a seed every time.

#[cfg(all(not(feature = "cuda"), not(feature = "ndarray-backend")))]
mod chosen {
    /// The inference backend: burn's flex CPU backend in f32.
    pub type Inference = burn::backend::Flex<f32>;
    /// Its device.
    pub type Device = burn::backend::flex::FlexDevice;
    /// A short name for logs and manifests.
    pub const NAME: &str = "flex (CPU)";
}

#[cfg(all(feature = "ndarray-backend", not(feature = "cuda")))]
mod chosen {
    /// The inference backend: burn's ndarray backend in f32.
    pub type Inference = burn::backend::NdArray<f32>;
    /// Its device.
    pub type Device = burn::backend::ndarray::NdArrayDevice;
    /// A short name for logs and manifests.
    pub const NAME: &str = "ndarray (CPU)";
}

#[cfg(feature = "cuda")]
mod chosen {
    /// The inference backend: burn-cuda in f32.
    pub type Inference = burn::backend::Cuda<f32>;
    /// Its device.
    pub type Device = burn::backend::cuda::CudaDevice;
    /// A short name for logs and manifests.
    pub const NAME: &str = "cuda";
}

pub use chosen::{Device, Inference, NAME};

/// The training backend: the inference backend with automatic differentiation.
pub type Training = burn::backend::Autodiff<Inference>;

/// The default device of the chosen backend (the CPU, or the first GPU).
pub fn default_device() -> Device {
    Device::default()
}
