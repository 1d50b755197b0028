//! Build script of packages whose only build step is linking libtorch (see `link_libtorch.rs`).

include!("link_libtorch.rs");

fn main() {
    link_libtorch();
}
