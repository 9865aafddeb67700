//! With the `grpc` feature, generates the gRPC service from
//! `proto/registry.proto` with protox, a pure-Rust protobuf compiler, so no
//! `protoc` is needed on the machine.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    #[cfg(feature = "grpc")]
    {
        let fds = protox::compile(["proto/registry.proto"], ["proto"])?;
        tonic_prost_build::configure()
            .build_server(true)
            .build_client(true)
            .bytes(".")
            .compile_fds(fds)?;
    }
    Ok(())
}
