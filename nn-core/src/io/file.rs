//! Weight files: reading them whole, and saving atomically through a
//! temporary file beside the target.

use super::codec::{
    LayerName, calibration_bytes, from_safetensors_bytes_into, from_safetensors_bytes_mapped,
    to_safetensors_bytes,
};
use super::{WeightsError, WeightsErrorKind};
use crate::{Params, Scalar};
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The temporary file of a save is `.nn-save-XXXXXX.tmp`: hidden, one
/// pattern for every target, and 19 bytes whatever the target's name, so a
/// target of the longest name the folder allows can still be saved.
const TEMP_PREFIX: &str = ".nn-save-";
/// See [`TEMP_PREFIX`].
const TEMP_SUFFIX: &str = ".tmp";

/// Saves the network to a safetensors file at `path`, atomically.
///
/// The file is what [`to_safetensors_bytes`] gives. It is first written to a
/// temporary file `.nn-save-XXXXXX.tmp` in the same folder, flushed to disk
/// (`fsync`), and then renamed over `path`, which replaces an existing file
/// in one step; on Unix the folder is flushed too, so the rename survives a
/// crash. A new file gets the permissions of the file it replaces (or, if
/// there is none, those of a file the process creates: `0o666` less the
/// umask). If `path` is a symbolic link, the link is replaced, not its
/// target.
///
/// Errors:
/// - [`WeightsErrorKind::NonFinite`], before touching the disk, if a parameter
///   is NaN or infinite;
/// - [`WeightsErrorKind::Io`] naming `path` and the step that failed, if
///   creating, writing, syncing or renaming the temporary file fails: the
///   temporary file is removed and a previous file at `path` is as it was;
/// - [`WeightsErrorKind::NotDurable`] if the rename succeeded but flushing the
///   folder failed: the new file is in place, but a crash could still undo
///   the save.
///
/// A process killed during a save leaves its temporary file behind; files
/// matching `.nn-save-*.tmp` can be deleted whenever no save into that
/// folder is running.
///
/// # Panics
///
/// Like [`to_safetensors_bytes`].
///
/// ```
/// use nn::io::{load_safetensors, save_safetensors};
/// nn::network! { struct Tiny { input: 2, out: dense(1, sigmoid) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-save-{}.safetensors", std::process::id()));
/// let net = Tiny::<f32>::init(3);
/// save_safetensors(&net, &path)?;
/// let back = load_safetensors::<Tiny<f32>, _>(&path)?;
/// assert_eq!(back.out.weight, net.out.weight);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn save_safetensors<P: Params<T>, T: Scalar>(
    net: &P,
    path: impl AsRef<Path>,
) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = to_safetensors_bytes(net).map_err(|e| e.in_file(path))?;
    write_atomic(path, &bytes, sync_folder)
}

/// Saves sample inputs as the calibration file of
/// `#[weights(.., quantize = int8, calibration = "PATH")]`, atomically (as
/// [`save_safetensors`]): `inputs` are rows of `features` values, as
/// `Dataset::inputs` (`nn::data`) holds them, written as
/// the `F32` tensor `input` of shape `[samples, features]`
/// ([`calibration_bytes`]). A few hundred training inputs set the activation
/// scales; the int8 network's accuracy is measured on other data.
///
/// ```
/// use nn::io::save_calibration;
/// let path = std::env::temp_dir().join(format!("nn-doc-calib-{}.safetensors", std::process::id()));
/// save_calibration(&[0.0, 1.0, 0.5, 0.25, 1.0, 0.0], 3, &path)?;
/// assert!(save_calibration(&[0.0; 5], 3, &path).is_err()); // not whole rows
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn save_calibration(
    inputs: &[f32],
    features: usize,
    path: impl AsRef<Path>,
) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = calibration_bytes(inputs, features).map_err(|e| e.in_file(path))?;
    write_atomic(path, &bytes, sync_folder)
}

/// Loads a network from a safetensors file that uses the network's own
/// tensor names, `<layer>.weight` and `<layer>.bias`, onto the heap.
///
/// Every tensor of the network must be in the file, with shape `[out, in]`
/// or `[out]` and the network's dtype, and hold finite values; the file must
/// hold no other tensor (see the [module docs](crate::io) for why). Each failure
/// is a [`WeightsError`] naming the file and the tensor.
///
/// The network is zeroed on the heap and filled there: it never passes
/// through the stack, so any network `Net::init_boxed` can make loads, on
/// any thread.
///
/// ```
/// use nn::Params; // for `Tiny::<f64>::init`
/// use nn::io::{load_safetensors, save_safetensors, WeightsError, WeightsErrorKind};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-load-{}.safetensors", std::process::id()));
/// save_safetensors(&Tiny::<f64>::init(5), &path)?;
/// // The file is F64: it loads into the f64 network only.
/// let net: Box<Tiny<f64>> = load_safetensors(&path)?;
/// assert_eq!(net.out.bias, Tiny::<f64>::init(5).out.bias);
/// let err = load_safetensors::<Tiny<f32>, _>(&path).unwrap_err();
/// assert!(matches!(err.kind, WeightsErrorKind::Dtype { expected: "F32", ref found, .. } if found == "F64"));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), WeightsError>(())
/// ```
pub fn load_safetensors<P: Params<T>, T: Scalar>(
    path: impl AsRef<Path>,
) -> Result<Box<P>, WeightsError> {
    load_safetensors_mapped(path, &[])
}

/// Loads a network from a safetensors file whose layers have other names,
/// such as one saved by PyTorch, onto the heap.
///
/// `layers` holds one [`LayerName`] `{ layer, file }` per renamed layer
/// (the order of `#[weights("PATH", layers(LAYER = "FILE"))]`): the
/// network's `<layer>.weight` and `<layer>.bias` are read from the file's
/// `<file>.weight` and `<file>.bias`. Layers that no mapping names keep their
/// own names. Everything else is as in [`load_safetensors`]; in particular
/// a tensor of the file that no layer reads is an error.
///
/// A PyTorch `nn.Sequential` names each parameter after its module's index,
/// and activations are modules without parameters, so for
/// `Sequential(Linear(784, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 10))`,
/// saved with `safetensors.torch.save_file(model.state_dict(), path)`, the
/// file has `0.weight`, `0.bias`, `2.weight`, `2.bias`, `4.weight`, `4.bias`
/// (of shapes `[16, 784]`, `[16]`, ...; `nn.Linear` stores `[out, in]` like
/// this crate), and the mapping to a `network!` spec is:
///
/// ```
/// use nn::io::{LayerName, load_safetensors_mapped};
/// nn::network! {
///     struct Mnist { input: 784, hidden1: dense(16, relu), hidden2: dense(16, relu), output: dense(10) }
/// }
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pytorch/mnist_mlp.safetensors");
/// let names = [
///     LayerName { layer: "hidden1", file: "0" },
///     LayerName { layer: "hidden2", file: "2" },
///     LayerName { layer: "output", file: "4" },
/// ];
/// let net: Box<Mnist<f32>> = load_safetensors_mapped(path, &names)?;
/// // Trained by PyTorch: it reads the first MNIST test image, a 7.
/// let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist"));
/// let test = nn::data::load_idx(
///     &dir.join("t10k-images-idx3-ubyte.gz"),
///     &dir.join("t10k-labels-idx1-ubyte.gz"),
///     10,
/// )?;
/// let logits = net.forward(&nn::nalgebra::SVector::from_column_slice(test.input(0)));
/// assert_eq!((logits.argmax().0, test.label(0)), (7, 7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A model saved with a prefix (`model.0.weight`) maps with
/// `LayerName { layer: "hidden1", file: "model.0" }`. A mapping whose layer
/// the network does not have, or a layer or file name that two mappings use,
/// is a [`WeightsErrorKind::Mapping`].
pub fn load_safetensors_mapped<P: Params<T>, T: Scalar>(
    path: impl AsRef<Path>,
    layers: &[LayerName<'_>],
) -> Result<Box<P>, WeightsError> {
    let path = path.as_ref();
    let bytes = read(path)?;
    from_safetensors_bytes_mapped(&bytes, layers).map_err(|e| e.in_file(path))
}

/// Loads a safetensors file into an existing network, in place: the
/// network's tensors are overwritten with the file's, read as
/// [`load_safetensors_mapped`] reads them (pass `&[]` for `layers` when the
/// file uses the network's own names).
///
/// Nothing is written until the whole file has been checked: if it is
/// rejected, `net` is left as it was.
///
/// ```
/// use nn::io::{LayerName, load_safetensors_into, save_safetensors};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-into-{}.safetensors", std::process::id()));
/// save_safetensors(&Tiny::<f32>::init(4), &path)?;
/// let mut net = Tiny::<f32>::zeros_boxed();
/// load_safetensors_into(&mut *net, &path, &[])?;
/// assert_eq!(net.out.weight, Tiny::<f32>::init(4).out.weight);
/// // A rejected file changes nothing.
/// let nope = LayerName { layer: "nope", file: "x" };
/// assert!(load_safetensors_into(&mut *net, &path, &[nope]).is_err());
/// assert_eq!(net.out.weight, Tiny::<f32>::init(4).out.weight);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn load_safetensors_into<P: Params<T>, T: Scalar>(
    net: &mut P,
    path: impl AsRef<Path>,
    layers: &[LayerName<'_>],
) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = read(path)?;
    from_safetensors_bytes_into(net, &bytes, layers).map_err(|e| e.in_file(path))
}

/// The file at `path`, or an `Io` error naming it.
fn read(path: &Path) -> Result<Vec<u8>, WeightsError> {
    fs::read(path).map_err(|error| {
        WeightsError::at(
            path,
            WeightsErrorKind::Io {
                action: "read",
                error,
            },
        )
    })
}

/// Flushes the folder `dir` to disk, so that a rename in it survives a crash
/// (on Unix; elsewhere the rename is as durable as the system makes it).
fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, renames it
/// over `path`, and syncs the folder with `sync_folder` (a parameter so that
/// a test can make it fail); the temporary file is removed if any step
/// before the rename fails.
fn write_atomic(
    path: &Path,
    bytes: &[u8],
    sync_folder: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<(), WeightsError> {
    let io_error = |action, error| WeightsError::at(path, WeightsErrorKind::Io { action, error });
    if path.file_name().is_none() {
        return Err(io_error(
            "write",
            io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"),
        ));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    // tempfile's default is 0o600; a saved file gets what `File::create`
    // gives (0o666 less the umask), like any other file the process writes.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    // Dropping `temp` before it is persisted removes the file.
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(|e| io_error("create a temporary file for", e))?;
    if let Ok(old) = fs::metadata(path) {
        // Best effort: keep the mode of the file being replaced.
        let _ = temp.as_file().set_permissions(old.permissions());
    }
    // Through the `File`: `NamedTempFile`'s own `Write` rewraps OS errors.
    temp.as_file_mut()
        .write_all(bytes)
        .map_err(|e| io_error("write", e))?;
    temp.as_file().sync_all().map_err(|e| io_error("sync", e))?;
    temp.persist(path)
        .map_err(|e| io_error("replace", e.error))?;
    sync_folder(dir).map_err(|error| WeightsError::at(path, WeightsErrorKind::NotDurable { error }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh, empty folder for one test.
    fn temp_dir(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nn-io-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_folder_that_cannot_be_synced_is_reported_with_the_new_file_in_place() {
        let dir = temp_dir("sync-fails");
        let path = dir.join("net.safetensors");
        fs::write(&path, b"old").unwrap();
        let err =
            write_atomic(&path, b"new", |_| Err(io::Error::other("no sync here"))).unwrap_err();
        assert!(
            matches!(err.kind, WeightsErrorKind::NotDurable { .. })
                && err.path.as_ref() == Some(&path),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "{}: the new file is in place, but its folder could not be synced, so a crash may still undo the save: no sync here",
                path.display()
            )
        );
        // "no sync here" is in the message, so not a source() too.
        assert!(std::error::Error::source(&err).is_none());
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["net.safetensors"]);
        fs::remove_dir_all(dir).unwrap();
    }
}
