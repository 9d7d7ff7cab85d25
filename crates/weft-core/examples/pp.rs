use std::sync::Arc;
use std::time::{Duration, Instant};
use weft_core::chan::*;
use weft_core::wake::*;
use weft_core::Value;
fn send(ch: &Arc<Channel>, v: Value) {
    let v = match ch.send_spin(v, Duration::from_micros(20)) {
        Ok(()) => return,
        Err(SendError::Full(v)) => v,
        Err(_) => panic!(),
    };
    match select(vec![Case::send(ch.clone(), v)], Some(Waiter::blocking())) {
        Selected::Ready(..) => {}
        Selected::Waiting(reg) => {
            reg.waiter().wait(None).unwrap();
            reg.unregister();
        }
        _ => unreachable!(),
    }
}
fn recv(ch: &Arc<Channel>) -> Option<Value> {
    match select(vec![Case::recv(ch.clone())], Some(Waiter::blocking())) {
        Selected::Ready(_, Delivery::Received(v)) => Some(v),
        Selected::Waiting(reg) => {
            let (_, d) = reg.waiter().wait(None).unwrap();
            reg.unregister();
            if let Delivery::Received(v) = d {
                Some(v)
            } else {
                None
            }
        }
        _ => None,
    }
}
fn main() {
    let ping = Arc::new(Channel::new(0));
    let pong = Arc::new(Channel::new(0));
    let (p2, q2) = (ping.clone(), pong.clone());
    std::thread::spawn(move || {
        while let Some(v) = recv(&p2) {
            send(&q2, v);
        }
    });
    let mut lat = vec![];
    for i in 0..20000 {
        let t = Instant::now();
        send(&ping, Value::Number(i as f64));
        recv(&pong).unwrap();
        lat.push(t.elapsed());
    }
    lat.sort();
    println!("p50 {:?} p99 {:?}", lat[10000], lat[19800]);
}
