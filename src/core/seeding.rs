//! The seed of one run, derived from (experiment, configuration, seed) so that every run draws
//! from its own stream whatever order or thread it runs in.
//!
//! The derivation must not change between Rust versions or machines (results are compared across
//! both), so it does not use `std::hash`: the three parts are hashed with 64-bit FNV-1a (Fowler,
//! Noll & Vo; offset basis 0xcbf29ce484222325, prime 0x100000001b3), separated by a 0 byte, and
//! the hash is finished with SplitMix64's mixer (Steele, Lea & Flood 2014) to spread nearby
//! inputs over all 64 bits.

/// The offset basis of 64-bit FNV-1a: the hash of no bytes, where a fresh hash starts.
pub const FNV1A_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// 64-bit FNV-1a over `bytes`, continuing from `hash` (start from [`FNV1A_OFFSET_BASIS`]).
pub fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The RNG seed of run `seed` of `configuration` (its canonical key) in `experiment`.
pub fn run_seed(experiment: &str, configuration: &str, seed: u64) -> u64 {
    let mut hash = FNV1A_OFFSET_BASIS;
    hash = fnv1a(hash, experiment.as_bytes());
    hash = fnv1a(hash, &[0]);
    hash = fnv1a(hash, configuration.as_bytes());
    hash = fnv1a(hash, &[0]);
    hash = fnv1a(hash, &seed.to_le_bytes());
    mix(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // Test vectors of the FNV reference (Noll, "FNV hash" test suite): "" and "a", "foobar".
        assert_eq!(fnv1a(0xcbf2_9ce4_8422_2325, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(0xcbf2_9ce4_8422_2325, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            fnv1a(0xcbf2_9ce4_8422_2325, b"foobar"),
            0x8594_4171_f739_67e8
        );
    }

    #[test]
    fn splitmix_matches_its_reference_sequence() {
        // SplitMix64 seeded with 0 produces 0xe220a8397b1dcdaf first (the reference C code of
        // Vigna's xoshiro page, `splitmix64.c`).
        assert_eq!(mix(0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn every_part_changes_the_seed() {
        let base = run_seed("e", "c", 0);
        assert_ne!(base, run_seed("e2", "c", 0));
        assert_ne!(base, run_seed("e", "c2", 0));
        assert_ne!(base, run_seed("e", "c", 1));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(run_seed("ab", "c", 0), run_seed("a", "bc", 0));
    }
}
