//! Charts drawn on the server as SVG with `plotters`: an indicator's values over time against
//! its target and benchmarks. Each chart carries its title and a text description for screen
//! readers (`role="img"`, `<title>`, `<desc>`); the page puts the data table beside it. No
//! JavaScript, and they print.

use plotters::prelude::*;

/// What a chart shows.
pub struct Chart<'a> {
    /// Unique on the page: the ids of the title and description hang off it.
    pub id: &'a str,
    pub title: &'a str,
    /// The trend in words.
    pub description: &'a str,
    /// The periods, in time order, as the axis names them ("Q1 26").
    pub labels: &'a [String],
    /// A value per period, or none where it is missing.
    pub values: &'a [Option<f64>],
    pub target: Option<f64>,
    /// Benchmarks per period: (name, a value per period).
    pub benchmarks: &'a [(String, Vec<Option<f64>>)],
    /// A period marked with a vertical line (an action closed), by its index.
    pub marker: Option<usize>,
    /// A small chart for a dashboard: no axes, the line and the target only.
    pub small: bool,
}

const BLUE: RGBColor = RGBColor(0x1d, 0x70, 0xb8);
const BLACK: RGBColor = RGBColor(0x0b, 0x0c, 0x0c);
const GREY: RGBColor = RGBColor(0x50, 0x5a, 0x5f);
const ORANGE: RGBColor = RGBColor(0xf4, 0x77, 0x38);
const PURPLE: RGBColor = RGBColor(0x4c, 0x2c, 0x92);

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart as an SVG element, ready to put in a page.
pub fn svg(c: &Chart<'_>) -> String {
    let (w, h) = if c.small { (240u32, 90u32) } else { (640, 300) };
    let mut buf = String::new();
    if draw(c, (w, h), &mut buf).is_err() {
        buf = format!(
            r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg"></svg>"#
        );
    }
    let head = format!(
        r#"<svg role="img" aria-labelledby="{id}-title {id}-desc" class="app-chart{small}" "#,
        id = escape(c.id),
        small = if c.small { " app-chart--small" } else { "" }
    );
    let body = buf.replacen("<svg ", &head, 1);
    match body.find('>') {
        Some(i) => format!(
            "{}<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
            &body[..=i],
            escape(c.title),
            escape(c.description),
            &body[i + 1..],
            id = escape(c.id),
        ),
        None => body,
    }
}

fn draw(
    c: &Chart<'_>,
    size: (u32, u32),
    buf: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(buf, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = c.labels.len().max(1);
    let mut all: Vec<f64> = c.values.iter().flatten().copied().collect();
    all.extend(c.target);
    for (_, b) in c.benchmarks {
        all.extend(b.iter().flatten());
    }
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.05).max(1.0);
        ((lo - pad).max(0.0), hi + pad)
    } else {
        (0.0, 1.0)
    };
    let x_max = (n as f64 - 1.0).max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .margin(if c.small { 4 } else { 10 })
        .x_label_area_size(if c.small { 0 } else { 30 })
        .y_label_area_size(if c.small { 0 } else { 50 })
        .build_cartesian_2d(-0.3f64..x_max + 0.3, lo..hi)?;
    if !c.small {
        let labels = c.labels;
        let step = (n / 8).max(1);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(0xf3, 0xf2, 0xf1))
            .x_labels(n.min(9))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                let i = i as usize;
                if i.is_multiple_of(step) {
                    labels.get(i).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_labels(5)
            .label_style(("sans-serif", 13).into_font().color(&BLACK))
            .draw()?;
    }
    if let Some(t) = c.target {
        if c.small {
            // One thin line: a dashed one is a line per dash, too heavy for a page of charts.
            chart.draw_series(LineSeries::new(
                [(0.0, t), (x_max, t)],
                ShapeStyle::from(&GREY).stroke_width(1),
            ))?;
        } else {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, t), (x_max, t)],
                6,
                4,
                ShapeStyle::from(&BLACK).stroke_width(2),
            ))?;
        }
    }
    for (k, (_, b)) in c.benchmarks.iter().enumerate() {
        let colour = [GREY, ORANGE, PURPLE][k % 3];
        for run in runs(b) {
            chart.draw_series(LineSeries::new(
                run,
                ShapeStyle::from(&colour).stroke_width(1),
            ))?;
        }
    }
    if let Some(m) = c.marker {
        let x = m as f64;
        chart.draw_series(DashedLineSeries::new(
            [(x, lo), (x, hi)],
            3,
            3,
            ShapeStyle::from(&ORANGE).stroke_width(2),
        ))?;
    }
    for run in runs(c.values) {
        chart.draw_series(LineSeries::new(
            run.clone(),
            ShapeStyle::from(&BLUE).stroke_width(if c.small { 2 } else { 3 }),
        ))?;
        if !c.small {
            chart.draw_series(PointSeries::of_element(
                run,
                4,
                ShapeStyle::from(&BLUE).filled(),
                &|p, s, st| EmptyElement::at(p) + Circle::new((0, 0), s, st),
            ))?;
        }
    }
    root.present()?;
    Ok(())
}

/// The unbroken stretches of a series: a missing value breaks the line.
fn runs(v: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (i, x) in v.iter().enumerate() {
        match x {
            Some(y) => cur.push((i as f64, *y)),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_chart_names_itself_for_screen_readers_and_draws_its_line() {
        let labels: Vec<String> = ["Q1 26", "Q2 26", "Q3 26"].map(String::from).to_vec();
        let s = svg(&Chart {
            id: "ind-1",
            title: "Visits within 14 days <of birth>",
            description: "July to September 2026: 58%.",
            labels: &labels,
            values: &[Some(64.0), None, Some(58.0)],
            target: Some(70.0),
            benchmarks: &[(
                "England".to_owned(),
                vec![Some(66.0), Some(66.5), Some(67.0)],
            )],
            marker: Some(1),
            small: false,
        });
        assert!(
            s.starts_with("<svg role=\"img\" aria-labelledby=\"ind-1-title ind-1-desc\""),
            "{s}"
        );
        assert!(
            s.contains("<title id=\"ind-1-title\">Visits within 14 days &lt;of birth&gt;</title>")
        );
        assert!(s.contains("<desc id=\"ind-1-desc\">July to September 2026: 58%.</desc>"));
        assert!(s.contains("Q3 26"), "the axis names the periods");
        assert!(
            s.contains("#1D70B8") || s.contains("#1d70b8"),
            "the values' line"
        );
        assert_eq!(runs(&[Some(1.0), None, Some(2.0), Some(3.0)]).len(), 2);
        let empty = svg(&Chart {
            id: "e",
            title: "Nothing yet",
            description: "No values yet.",
            labels: &[],
            values: &[],
            target: None,
            benchmarks: &[],
            marker: None,
            small: true,
        });
        assert!(empty.contains("<title id=\"e-title\">Nothing yet</title>"));
    }
}
