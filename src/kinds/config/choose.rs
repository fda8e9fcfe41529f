//! The one place that picks a vendor config format's code: [`for_format`] maps each
//! `config_format` a vendor file can name to its [`VendorConfig`] implementation. A vendor whose
//! layout names no format (a made-up vendor added with `--layouts`) gets "not supported".

use super::flyingvoice::FlyingvoiceCfg;
use super::format::VendorConfig;
use super::htek::HtekXml;
use crate::rules::layout::{ConfigFormat, Vendor};
use anyhow::Result;

/// The implementation of `format`.
pub fn for_format(format: ConfigFormat) -> &'static dyn VendorConfig {
    match format {
        ConfigFormat::HtekXml => &HtekXml,
        ConfigFormat::FlyingvoiceCfg => &FlyingvoiceCfg,
    }
}

/// Every implementation, in the order messages list them.
pub fn all() -> [&'static dyn VendorConfig; 2] {
    [&HtekXml, &FlyingvoiceCfg]
}

/// The implementation for `vendor`'s configs, or the "not supported" error naming the vendor.
pub fn for_vendor(vendor: &Vendor) -> Result<&'static dyn VendorConfig> {
    vendor.config_format().map(for_format)
}
