// Shared by the build scripts of every package that links libtorch into a binary, test or cdylib.
//
// Without it a binary has no runtime path to libtorch (it fails with `libtorch_cpu.so: cannot
// open shared object file`) and the linker drops libtorch_cuda, so CUDA silently reports
// unavailable. `DEP_TCH_LIBTORCH_LIB` comes from the package's direct `torch-sys` dependency.

fn link_libtorch() {
    if let Some(lib) = std::env::var_os("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath={}", lib.to_string_lossy());
    }
    println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
    println!("cargo:rustc-link-arg=-ltorch");
}
