use std::process::ExitCode;

fn main() -> ExitCode {
    match datong::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One readable line: the chain of causes, no backtrace.
            eprintln!("datong: {}", datong::cli::one_line(&err));
            ExitCode::FAILURE
        }
    }
}
