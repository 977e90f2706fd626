//! The plot: for every case, ferrozmq's and zeromq's advantage over libzmq on a log scale.

use std::fmt::Write as _;

use crate::report::ratio_to_libzmq;
use crate::runner::Results;

const LABEL_W: f64 = 330.0;
const PLOT_W: f64 = 520.0;
const ROW_H: f64 = 22.0;
const TOP: f64 = 60.0;
/// The scale runs from 1/8× to 8×.
const LOG2_SPAN: f64 = 3.0;

/// An SVG of advantage over libzmq (msg/s over libzmq's; libzmq's µs or MB over ours), one row per case.
pub(crate) fn plot(results: &Results) -> String {
    let h = TOP + ROW_H * results.len() as f64 + 30.0;
    let w = LABEL_W + PLOT_W + 20.0;
    let x = |ratio: f64| {
        let l = ratio.max(1e-9).log2().clamp(-LOG2_SPAN, LOG2_SPAN);
        LABEL_W + (l + LOG2_SPAN) / (2.0 * LOG2_SPAN) * PLOT_W
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">Advantage over libzmq (right of 1× is better; log scale)</text>"#
    );
    let _ = writeln!(
        s,
        r##"<rect x="10" y="30" width="12" height="10" fill="#d9480f"/><text x="27" y="39">ferrozmq</text><rect x="100" y="30" width="12" height="10" fill="#1c7ed6"/><text x="117" y="39">zeromq crate</text>"##
    );
    for k in -3i32..=3 {
        let r = 2f64.powi(k);
        let gx = x(r);
        let stroke = if k == 0 { "#000" } else { "#ccc" };
        let _ = writeln!(
            s,
            r#"<line x1="{gx}" y1="{}" x2="{gx}" y2="{}" stroke="{stroke}"/><text x="{gx}" y="{}" text-anchor="middle">{}×</text>"#,
            TOP - 5.0,
            h - 25.0,
            h - 10.0,
            if k < 0 {
                format!("1/{}", 1 << -k)
            } else {
                format!("{}", 1 << k)
            }
        );
    }
    for (i, (c, r)) in results.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + 14.0,
            escape(&c.label())
        );
        for (j, (imp, color)) in [("ferrozmq", "#d9480f"), ("zeromq", "#1c7ed6")]
            .iter()
            .enumerate()
        {
            let Some(ratio) = ratio_to_libzmq(r, imp) else {
                continue;
            };
            let adv = if c.kind.higher_is_better() {
                ratio
            } else {
                1.0 / ratio
            };
            let (x0, x1) = (x(1.0), x(adv));
            let _ = writeln!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="8" fill="{color}"><title>{imp}: {adv:.2}×</title></rect>"#,
                x0.min(x1),
                y + 3.0 + 9.0 * j as f64,
                (x1 - x0).abs().max(1.0)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
