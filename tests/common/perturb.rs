//! Moving every parameter of a model along a fixed random direction, shared by the model tests
//! that need weights far from their small initial values (`model_gradient.rs`,
//! `backend_agreement.rs`).

use burn::module::Param;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Every parameter moved along a fixed direction u: `offset(θ) = θ + h·u`, with u drawn
/// entry by entry from a generator seeded by the parameter's position in the visiting order
/// (a test's gradient visitor draws the same u in the same order).
pub struct Perturb {
    pub step: f64,
    pub index: u64,
}

pub fn direction(index: u64, len: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(1000 + index);
    (0..len).map(|_| StandardNormal.sample(&mut rng)).collect()
}

impl<Bk: Backend> burn::module::ModuleMapper<Bk> for Perturb {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<Bk, D>>) -> Param<Tensor<Bk, D>> {
        let (id, tensor, mapper) = param.consume();
        let shape = tensor.shape();
        let u = direction(self.index, shape.num_elements());
        self.index += 1;
        let u = Tensor::<Bk, 1>::from_data(
            TensorData::new(u, [shape.num_elements()]),
            &tensor.device(),
        )
        .reshape(shape);
        // A fresh leaf, so that automatic differentiation reports its gradient.
        let moved = (tensor + u.mul_scalar(self.step)).detach().require_grad();
        Param::from_mapped_value(id, moved, mapper)
    }
}
