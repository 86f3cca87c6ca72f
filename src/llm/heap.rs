//! The C heap's settings for training passes: keep freed memory in the process.
//!
//! A training pass allocates and frees buffers of megabytes (activations, gradients, products) at
//! every step. glibc's `malloc` serves a request above its mmap threshold (128 KiB at start,
//! raised to the size of each such block freed, up to 32 MiB) with fresh pages from the kernel,
//! and returns the top of its heap to the kernel once more than its trim threshold lies free
//! there (twice the mmap threshold). Either way the next step's buffers are faulted back in page
//! by page, each page zeroed by the kernel: on the `small` preset's [64, 64] training pass that
//! took ≈ 6% of the time on one thread (`perf`: `clear_page_rep`, `exc_page_fault`,
//! `unmap_page_range`). [`keep_freed_memory`] raises both thresholds (`mallopt`, glibc's
//! documented tuning call), so freed blocks stay in the heap and are reused; the process's
//! resident memory then stays at its peak instead of shrinking between steps.
//!
//! Only the speed changes: which addresses a buffer gets never changes a computed value.

/// Requests below this many bytes come from the heap (glibc's largest mmap threshold on 64-bit
/// systems, `DEFAULT_MMAP_THRESHOLD_MAX`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free memory at the heap's top kept before any is returned to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 1 << 30;

/// Makes glibc keep freed memory for reuse (see the module docs). Call it early in `main` (the
/// policylab command does); elsewhere than Linux with glibc it does nothing. Returns whether
/// both settings were taken (a refusal only costs speed).
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's <malloc.h>: int mallopt(int param, int value).
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: `mallopt` is glibc's exported setter of malloc parameters; it takes two ints,
        // has no other precondition, and is safe to call while other threads allocate (it takes
        // the main arena's lock). It returns 1 on success, 0 on a refused value.
        let (trim, mmap) = unsafe {
            (
                mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD),
                mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            )
        };
        trim == 1 && mmap == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_takes_both_settings() {
        let taken = keep_freed_memory();
        assert_eq!(taken, cfg!(all(target_os = "linux", target_env = "gnu")));
    }
}
