//! The key, its URI and its QR code (moved here from the MFA flow's tests with the code).

use super::{
    key_groups, otpauth_uri,
    qr::{qr_path_svg, qr_svg},
};

#[test]
fn the_otpauth_uri_and_key_are_what_authenticator_apps_read() {
    assert_eq!(
        otpauth_uri("Acme Corp", "jane@example.com", "JBSWY3DPEHPK3PXP"),
        "otpauth://totp/Acme%20Corp:jane%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30"
    );
    assert_eq!(key_groups("JBSWY3DPEHPK3PXPAB"), "JBSW Y3DP EHPK 3PXP AB");
}

/// The modules an SVG from `qr_path_svg` paints dark, read back from its path.
fn painted(svg: &str, quiet: usize) -> (usize, Vec<bool>) {
    let size: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let width = size - 2 * quiet;
    let mut grid = vec![false; width * width];
    let (mut px, mut py) = (0i64, 0i64);
    for rect in d.split_terminator('z') {
        let (cmd, rest) = rect.split_at(1);
        let (mv, rest) = rest.split_once('h').unwrap();
        let (run, tail) = rest.split_once("v1h-").unwrap();
        assert_eq!(run, tail, "each rectangle closes on itself: {rect}");
        let (mx, my) = mv.split_once(' ').unwrap();
        let (mx, my): (i64, i64) = (mx.parse().unwrap(), my.parse().unwrap());
        (px, py) = if cmd == "M" {
            (mx, my)
        } else {
            (px + mx, py + my)
        };
        for x in px..px + run.parse::<i64>().unwrap() {
            let (gx, gy) = (x as usize - quiet, py as usize - quiet);
            assert!(!grid[gy * width + gx], "painted twice at {gx},{gy}");
            grid[gy * width + gx] = true;
        }
    }
    (width, grid)
}

#[test]
fn the_qr_code_paints_exactly_the_dark_modules_in_a_few_kib() {
    let uri = otpauth_uri(
        "Acme Corp",
        "jane@example.com",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    );
    let code = qrcode::QrCode::new(uri.as_bytes()).unwrap();
    let dark: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    let svg = qr_svg(&uri);
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert_eq!(painted(&svg, 4), (code.width(), dark));
    assert!(svg.len() < 8 * 1024, "{} bytes", svg.len());
    // A grid of every kind of row: empty, full, runs at both edges.
    let grid = [true, false, true, false, false, false, true, true, true];
    assert_eq!(painted(&qr_path_svg(3, &grid), 4), (3, grid.to_vec()));
}
