//! The lecture's computational graph, y = 2·log10(x1 + sin x1)·max(x2, x3),
//! differentiated at compile time by `graph!`: every node's value and
//! gradient at (5, −2, −5), the gradient in reverse and forward mode, the
//! lecture's Jacobian example, and the graph as Graphviz DOT (and PNG when
//! the `dot` program is installed).
//!
//! Run with `cargo run --example graph [OUTPUT_DIR]` (default `target/graph`).

use std::error::Error;
use std::path::PathBuf;
use std::process::Command;

use nn::graph::NodeKind;

nn::graph! {
    /// The lecture's example.
    pub fn lecture(x1, x2, x3) -> y {
        let a = x1 + sin(x1);
        y = 2.0 * log10(a) * max(x2, x3);
    }

    /// The lecture's Jacobian example: y = (−5·x1 + x2, x1²).
    pub fn jac(x1, x2) -> (y1, y2) {
        y1 = -5.0 * x1 + x2;
        y2 = pow(x1, 2);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let x = [5.0f64, -2.0, -5.0];
    println!("y = 2·log10(x1 + sin x1)·max(x2, x3) at (x1, x2, x3) = {x:?}\n");

    // Every node: its forward value and its gradient dy/dnode.
    let dot = lecture::dot(x, [1.0]);
    println!(
        "{:<4} {:<18} {:>10} {:>10}",
        "node", "computes", "value", "dy/dnode"
    );
    for (k, node) in lecture::GRAPH.nodes.iter().enumerate() {
        let what = match (node.kind, node.name) {
            (NodeKind::Operation, Some(name)) => format!("{name} = {}", node.label),
            _ => node.label.to_string(),
        };
        let args: Vec<String> = node.args.iter().map(|a| format!("n{a}")).collect();
        let what = if args.is_empty() {
            what
        } else {
            format!("{what}({})", args.join(", "))
        };
        let grad = if node.active {
            format!("{:10.4}", dot.adjoints[k])
        } else {
            format!("{:>10}", "-")
        };
        println!("n{k:<3} {what:<18} {:10.4} {grad}", dot.values[k]);
    }

    // Reverse mode: the value and the whole gradient in one backward sweep.
    let (y, gradient) = lecture::grad(x);
    println!("\nreverse mode: y = {y:.4}, gradient = {gradient:.4?}");
    // Forward mode: one sweep per input direction.
    let forward: Vec<f64> = (0..3)
        .map(|j| {
            let mut tangent = [0.0; 3];
            tangent[j] = 1.0;
            lecture::jvp(x, tangent).1[0]
        })
        .collect();
    println!("forward mode: gradient = {forward:.4?}");
    println!("(PyTorch, in the lecture: [-0.5518, 1.2130, 0.0000])");

    let x1 = 3.0;
    println!(
        "\nJacobian of (−5·x1 + x2, x1²) at x1 = {x1} ({:?} mode): {:?}",
        jac::JACOBIAN_MODE,
        jac::jacobian([x1, 1.0])
    );

    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/graph"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    let dot_path = dir.join("lecture.dot");
    std::fs::write(&dot_path, dot.to_string())?;
    println!("\nwrote {}", dot_path.display());

    let png_path = dir.join("lecture.png");
    match Command::new("dot")
        .arg("-Tpng")
        .arg(&dot_path)
        .arg("-o")
        .arg(&png_path)
        .output()
    {
        Ok(out) if out.status.success() => println!("wrote {}", png_path.display()),
        Ok(out) => println!(
            "`dot` failed ({}); no PNG: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(_) => println!("`dot` (Graphviz) is not installed; skipping the PNG"),
    }
    Ok(())
}
