//! The QR code of an authenticator app's key, drawn on the server as one SVG path (no
//! script, no outside service).

/// `uri` as an inline SVG QR code (drawn on the server: no script, no outside service).
pub fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => {
            let width = code.width();
            let dark: Vec<bool> = code
                .into_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            qr_path_svg(width, &dark)
        }
        Err(e) => {
            tracing::error!(error = %e, "QR code could not be drawn");
            String::new()
        }
    }
}

/// The quiet zone around the code, in modules (the standard's four).
const QUIET: usize = 4;

/// A `width`×`width` grid of modules (row by row, `true` dark) as an SVG of one path, one
/// module per unit: each row's runs of dark modules are one rectangle, written with
/// relative moves (small numbers, a few KiB instead of a renderer's tens).
pub fn qr_path_svg(width: usize, dark: &[bool]) -> String {
    use std::fmt::Write;
    let size = width + 2 * QUIET;
    let mut d = String::new();
    // Where the pen is: the start of the last rectangle (`z` returns there).
    let (mut px, mut py) = (0i64, 0i64);
    for (y, row) in dark.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if !row[x] {
                x += 1;
                continue;
            }
            let run = row[x..].iter().take_while(|&&m| m).count();
            let (ax, ay) = ((x + QUIET) as i64, (y + QUIET) as i64);
            let cmd = if d.is_empty() { 'M' } else { 'm' };
            let (mx, my) = if d.is_empty() {
                (ax, ay)
            } else {
                (ax - px, ay - py)
            };
            let _ = write!(d, "{cmd}{mx} {my}h{run}v1h-{run}z");
            (px, py) = (ax, ay);
            x += run;
        }
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{d}"/></svg>"##
    )
}
