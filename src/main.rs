fn main() -> std::process::ExitCode {
    policylab::cli::main()
}
