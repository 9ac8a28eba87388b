use std::process::ExitCode;

use clap::Parser;
use vrs_server::cli::{Cli, Command};
use vrs_server::http::limits::Limits;
use vrs_server::serve::{serve, ServeConfig, Transport};
use vrs_server::{admin, open_store};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("vrs-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrs-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let transport = match (args.tls_cert, args.tls_key, args.insecure_http) {
                (Some(cert), Some(key), _) => Transport::Tls { cert, key },
                (_, _, true) => Transport::InsecureHttp,
                _ => anyhow::bail!(
                    "give --tls-cert and --tls-key for HTTPS, or --insecure-http on a loopback address"
                ),
            };
            let config = ServeConfig {
                listen: args.listen,
                transport,
                limits: Limits {
                    max_body_bytes: args.max_body_bytes,
                    max_records_per_batch: args.max_batch,
                    requests_per_device_per_minute: args.rate_per_minute,
                },
            };
            vrs_server::serve::check_transport(config.listen, &config.transport)?;
            let store = open_store(&args.store).await?;
            serve(store, config).await
        }
        Command::Admin(args) => {
            let store = open_store(&args.store).await?;
            admin::run(&store, args.command).await
        }
    }
}
