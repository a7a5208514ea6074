//! Every activation and every loss `network!` knows, one row each: the name
//! in a spec, its parameters and their checks, which output layers it fits,
//! and the runtime type it expands to. `ast` lists the names in its parse
//! errors, `validate` checks a spec against the rows (and offers their
//! aliases as "did you mean"), and `expand` writes the runtime type of a row.
//! Adding an activation or a loss is one row here, its runtime type in
//! `nn-core`, and its tests (CONTRIBUTING.md).

/// A numeric parameter, such as the `alpha` of `leaky_relu(alpha)`: the
/// field of the runtime type it sets, and what it must be. Every parameter
/// is written into the generated code as a float literal, so it must be
/// finite and fit in an `f32`.
pub struct Param {
    /// The parameter's name in messages and the runtime type's field.
    pub name: &'static str,
    /// The value when the spec omits the parentheses (`elu` is `elu(1.0)`,
    /// as PyTorch's default), or `None` if it must be given.
    pub default: Option<f64>,
    /// The value must be greater than 0 (a `delta`).
    pub positive: bool,
}

/// An activation of a dense layer.
pub struct ActivationDef {
    /// The name in a spec, e.g. `leaky_relu`.
    pub name: &'static str,
    /// Its parameters, in the order a spec writes them.
    pub params: &'static [Param],
    /// A correct use, for messages: `leaky_relu(0.01)`.
    pub example: &'static str,
    /// The type in `nn::activation`; with parameters it is generic over the
    /// scalar type and built with one field per parameter.
    pub runtime: &'static str,
    /// Names other libraries use for it, for "did you mean".
    pub aliases: &'static [&'static str],
    /// Only allowed on the output layer, over at least 2 outputs (`softmax`).
    pub output_only: bool,
    /// Initialised with He's scale (the ReLU family) rather than Xavier's.
    pub he_init: bool,
}

/// The activations, in the order messages list them. The first is the
/// default of a layer that names none.
pub const ACTIVATIONS: &[ActivationDef] = &[
    activation("identity", "Identity", &["linear", "none"]),
    activation("sigmoid", "Sigmoid", &["logistic"]),
    activation("tanh", "Tanh", &[]),
    ActivationDef {
        he_init: true,
        ..activation("relu", "Relu", &[])
    },
    ActivationDef {
        params: &[Param {
            name: "alpha",
            default: None,
            positive: false,
        }],
        example: "leaky_relu(0.01)",
        he_init: true,
        ..activation("leaky_relu", "LeakyRelu", &["lrelu", "leakyrelu"])
    },
    // PyTorch accepts any alpha for ELU, and so do we; 1.0 is its default.
    ActivationDef {
        params: &[Param {
            name: "alpha",
            default: Some(1.0),
            positive: false,
        }],
        example: "elu(1.0)",
        ..activation("elu", "Elu", &[])
    },
    activation("selu", "Selu", &[]),
    activation("gelu", "Gelu", &[]),
    activation("silu", "Silu", &["swish"]),
    activation("softplus", "Softplus", &[]),
    ActivationDef {
        output_only: true,
        ..activation("softmax", "Softmax", &[])
    },
];

/// A row without parameters, spelled as itself in messages.
const fn activation(
    name: &'static str,
    runtime: &'static str,
    aliases: &'static [&'static str],
) -> ActivationDef {
    ActivationDef {
        name,
        params: &[],
        example: name,
        runtime,
        aliases,
        output_only: false,
        he_init: false,
    }
}

/// The number of outputs a loss needs, and what to use instead.
pub enum Outputs {
    Any,
    /// At least this many; the hint is added to the error message.
    AtLeast(usize, &'static str),
    /// Exactly this many; the hint is added to the macro's error message
    /// (not to the const assertion's on a named width).
    Exactly(usize, &'static str),
}

/// A loss fused with the output activation: it reads the logits `z`.
pub struct Fused {
    /// What the loss applies itself, for messages: `softmax to the logits`.
    pub applies: &'static str,
    /// The output activations it may follow (the activation is then only
    /// used by inference).
    pub after: &'static [&'static str],
    /// Those activations in words, for messages.
    pub after_text: &'static str,
}

/// A loss of the network.
pub struct LossDef {
    /// The name in a spec, e.g. `huber`.
    pub name: &'static str,
    /// Its parameters, in the order a spec writes them.
    pub params: &'static [Param],
    /// A correct use, for messages: `huber(1.0)`.
    pub example: &'static str,
    /// The type in `nn::loss`; with parameters it is generic over the
    /// scalar type and built with one field per parameter.
    pub runtime: &'static str,
    /// Names other libraries use for it, for "did you mean".
    pub aliases: &'static [&'static str],
    /// How many outputs the last layer must have.
    pub outputs: Outputs,
    /// `Some` if the loss reads the logits, not the activation.
    pub fused: Option<Fused>,
}

/// The positive `delta` of the margin and Huber losses.
const DELTA: &[Param] = &[Param {
    name: "delta",
    default: None,
    positive: true,
}];

/// The losses, in the order messages list them.
pub const LOSSES: &[LossDef] = &[
    loss("squared_error", "SquaredError", &["l2", "sse"]),
    loss("mean_squared_error", "MeanSquaredError", &["mse"]),
    loss("absolute_error", "AbsoluteError", &["mae", "l1"]),
    LossDef {
        params: DELTA,
        example: "huber(1.0)",
        ..loss("huber", "Huber", &["smooth_l1"])
    },
    LossDef {
        outputs: Outputs::AtLeast(2, "; for one output use `binary_cross_entropy`"),
        fused: Some(Fused {
            applies: "softmax to the logits",
            after: &["identity", "softmax"],
            after_text: "no activation (identity) or `softmax`",
        }),
        ..loss(
            "softmax_cross_entropy",
            "SoftmaxCrossEntropy",
            &["ce", "nll", "categorical_cross_entropy", "crossentropy"],
        )
    },
    LossDef {
        outputs: Outputs::Exactly(1, "; for several classes use `softmax_cross_entropy`"),
        fused: Some(Fused {
            applies: "a sigmoid to the logit",
            after: &["identity", "sigmoid"],
            after_text: "`sigmoid` or no activation",
        }),
        ..loss("binary_cross_entropy", "BinaryCrossEntropy", &["bce"])
    },
    LossDef {
        params: DELTA,
        example: "hinge(1.0)",
        ..loss("hinge", "Hinge", &[])
    },
    LossDef {
        params: DELTA,
        example: "multiclass_hinge(1.0)",
        outputs: Outputs::AtLeast(2, "; for one output use `hinge`"),
        ..loss("multiclass_hinge", "MulticlassHinge", &["svm"])
    },
];

/// A row without parameters, for any number of outputs, not fused.
const fn loss(
    name: &'static str,
    runtime: &'static str,
    aliases: &'static [&'static str],
) -> LossDef {
    LossDef {
        name,
        params: &[],
        example: name,
        runtime,
        aliases,
        outputs: Outputs::Any,
        fused: None,
    }
}

/// A kind of layer: the name in a spec, how it is written, and the names
/// other libraries use for it. `ast` parses each kind's arguments and lists
/// these names when a kind is unknown.
pub struct LayerKindDef {
    /// The name in a spec, e.g. `conv2d`.
    pub name: &'static str,
    /// How a spec writes it, for messages: `conv2d(OUT, KERNEL, ...)`.
    pub grammar: &'static str,
    /// A correct use, for messages: `conv2d(8, 3, padding = 1, relu)`.
    pub example: &'static str,
    /// Names other libraries use for it, for "did you mean".
    pub aliases: &'static [&'static str],
}

/// The layer kinds, in the order messages list them.
pub const LAYER_KINDS: &[LayerKindDef] = &[
    LayerKindDef {
        name: "dense",
        grammar: "dense([IN ->] OUT [, ACTIVATION] [, from = LAYER])",
        example: "dense(16, relu)",
        aliases: &["linear", "fc", "fully_connected"],
    },
    LayerKindDef {
        name: "conv2d",
        grammar: "conv2d([IN ->] OUT, KERNEL [, stride = S] [, padding = P] [, ACTIVATION] [, from = LAYER])",
        example: "conv2d(8, 3, padding = 1, relu)",
        aliases: &["conv", "conv2", "convolution"],
    },
    LayerKindDef {
        name: "depthwise_conv2d",
        grammar: "depthwise_conv2d(KERNEL [, stride = S] [, padding = P] [, ACTIVATION] [, from = LAYER])",
        example: "depthwise_conv2d(3, padding = 1, relu)",
        aliases: &["depthwise", "dwconv", "depthwise_conv"],
    },
    LayerKindDef {
        name: "max_pool",
        grammar: "max_pool(SIZE [, stride = S] [, from = LAYER])",
        example: "max_pool(2)",
        aliases: &["maxpool", "max_pool2d", "maxpool2d"],
    },
    LayerKindDef {
        name: "avg_pool",
        grammar: "avg_pool(SIZE [, stride = S] [, from = LAYER])",
        example: "avg_pool(2)",
        aliases: &["avgpool", "avg_pool2d", "avgpool2d", "mean_pool"],
    },
    LayerKindDef {
        name: "flatten",
        grammar: "flatten [(from = LAYER)]",
        example: "flatten",
        aliases: &["reshape", "view"],
    },
    LayerKindDef {
        name: "add",
        grammar: "add(LAYER, LAYER, ...)",
        example: "add(block_in, block_out)",
        aliases: &["sum", "residual"],
    },
    LayerKindDef {
        name: "concat",
        grammar: "concat(LAYER, LAYER, ...)",
        example: "concat(left, right)",
        aliases: &["cat", "concatenate", "stack"],
    },
];

/// The names of the layer kinds, in their order.
pub fn layer_kind_names() -> Vec<&'static str> {
    LAYER_KINDS.iter().map(|k| k.name).collect()
}

/// The `(alias, name)` pairs of the layer kinds, for "did you mean".
pub fn layer_kind_aliases() -> Vec<(&'static str, &'static str)> {
    LAYER_KINDS
        .iter()
        .flat_map(|k| k.aliases.iter().map(|a| (*a, k.name)))
        .collect()
}

/// The layer kind named `name`.
pub fn layer_kind(name: &str) -> Option<&'static LayerKindDef> {
    LAYER_KINDS.iter().find(|k| k.name == name)
}

/// One row of either table, as `validate` reads its name and parameters.
pub trait Row: 'static {
    fn name(&self) -> &'static str;
    fn params(&self) -> &'static [Param];
    fn example(&self) -> &'static str;
    fn aliases(&self) -> &'static [&'static str];
}

impl Row for ActivationDef {
    fn name(&self) -> &'static str {
        self.name
    }
    fn params(&self) -> &'static [Param] {
        self.params
    }
    fn example(&self) -> &'static str {
        self.example
    }
    fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }
}

impl Row for LossDef {
    fn name(&self) -> &'static str {
        self.name
    }
    fn params(&self) -> &'static [Param] {
        self.params
    }
    fn example(&self) -> &'static str {
        self.example
    }
    fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }
}

/// The names of a table, in its order, for "expected one of" lists.
pub fn names<R: Row>(table: &'static [R]) -> Vec<&'static str> {
    table.iter().map(Row::name).collect()
}

/// The `(alias, name)` pairs of a table, for "did you mean".
pub fn aliases<R: Row>(table: &'static [R]) -> Vec<(&'static str, &'static str)> {
    table
        .iter()
        .flat_map(|row| row.aliases().iter().map(|alias| (*alias, row.name())))
        .collect()
}

/// The row named `name`.
pub fn find<R: Row>(table: &'static [R], name: &str) -> Option<&'static R> {
    table.iter().find(|row| row.name() == name)
}

/// The activation of a layer that names none.
pub fn identity() -> &'static ActivationDef {
    &ACTIVATIONS[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar in the crate docs lists every row: the docs cannot read
    /// the table, so this test does.
    #[test]
    fn the_grammar_docs_list_every_row() {
        let docs = [include_str!("../lib.rs"), include_str!("ast.rs")];
        for doc in docs {
            let grammar: String = doc
                .lines()
                .skip_while(|l| !l.contains("ACTIVATION ="))
                .take_while(|l| !l.contains("```"))
                .collect();
            for row in ACTIVATIONS {
                let written = spelled(row.name, row.params);
                assert!(grammar.contains(&written), "{written} missing: {grammar}");
            }
            for row in LOSSES {
                let written = spelled(row.name, row.params);
                assert!(grammar.contains(&written), "{written} missing: {grammar}");
            }
        }
    }

    /// `relu`, `leaky_relu(ALPHA)`, or `elu[(ALPHA)]` where the parameter
    /// has a default, as the grammar writes them.
    fn spelled(name: &str, params: &[Param]) -> String {
        let upper: Vec<String> = params.iter().map(|p| p.name.to_uppercase()).collect();
        match params {
            [] => name.to_string(),
            _ if params.iter().all(|p| p.default.is_some()) => {
                format!("{name}[({})]", upper.join(", "))
            }
            _ => format!("{name}({})", upper.join(", ")),
        }
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut all: Vec<&str> = names(ACTIVATIONS);
        all.extend(aliases(ACTIVATIONS).iter().map(|(a, _)| *a));
        let mut losses: Vec<&str> = names(LOSSES);
        losses.extend(aliases(LOSSES).iter().map(|(a, _)| *a));
        for list in [all, losses] {
            let mut sorted = list.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len());
        }
    }
}
