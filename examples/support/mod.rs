//! Shared by the examples (not an example itself: cargo only builds
//! `examples/*.rs` and `examples/*/main.rs`).

use std::path::{Path, PathBuf};

/// `path` as the user would type it: relative to the current folder when it
/// lies below it (the examples default to absolute paths under the checkout,
/// so that they work from any folder), unchanged otherwise.
pub fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// A picture being drawn by [`save_png`].
pub type Canvas<'a> =
    plotters::drawing::DrawingArea<plotters::backend::BitMapBackend<'a>, plotters::coord::Shift>;

/// Draws a `width` × `height` picture with `draw` on a white canvas and saves
/// it as a PNG at `path`, creating its folder. Text is set in the DejaVu Sans
/// font the `dejavu` crate embeds. Plotters draws into a buffer and the `png`
/// crate encodes it, so no image library (and no system one) is built.
pub fn save_png(
    path: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Canvas<'_>) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the embedded DejaVu Sans font did not load")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut png = png::Encoder::new(file, width, height);
    png.set_color(png::ColorType::Rgb);
    png.set_depth(png::BitDepth::Eight);
    png.write_header()?.write_image_data(&rgb)?;
    Ok(())
}
