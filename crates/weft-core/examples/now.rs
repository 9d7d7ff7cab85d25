use std::time::Instant;
fn main() {
    let t = Instant::now();
    let mut x = t;
    for _ in 0..1_000_000 {
        x = Instant::now();
    }
    println!("Instant::now {:?} per call", (x - t) / 1_000_000);
    let ch = weft_core::chan::Channel::new(1024);
    let t = Instant::now();
    for i in 0..1_000_000 {
        ch.try_send(weft_core::Value::Number(i as f64)).unwrap();
        ch.try_recv();
    }
    println!("try pair {:?}", t.elapsed() / 1_000_000);
}
