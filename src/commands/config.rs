//! `baton config [--defaults]`: the effective configuration, or every key at its default.

use crate::cli::ConfigArgs;
use crate::config::{self, Config};
use crate::context::Ctx;
use crate::output::Outcome;
use serde::Serialize;

#[derive(Serialize)]
struct ConfigData<'a> {
    /// `.baton.yaml` when it exists and was read, else null (the defaults).
    file: Option<&'static str>,
    config: &'a Config,
}

pub fn run(ctx: &Ctx, args: ConfigArgs) -> anyhow::Result<Outcome> {
    let defaults = Config::default();
    let from_file = !args.defaults && ctx.ws.abs(config::FILE_NAME).is_file();
    let data = ConfigData {
        file: from_file.then_some(config::FILE_NAME),
        config: if args.defaults {
            &defaults
        } else {
            &ctx.ws.config
        },
    };
    Outcome::new(ctx, &data, |d, _| {
        let head = match d.file {
            Some(f) => format!("# the effective configuration: {f} over the defaults\n"),
            None => "# the defaults (no .baton.yaml is read)\n".to_string(),
        };
        let yaml = serde_norway::to_string(d.config).unwrap_or_default();
        format!("{head}{yaml}")
    })
}
