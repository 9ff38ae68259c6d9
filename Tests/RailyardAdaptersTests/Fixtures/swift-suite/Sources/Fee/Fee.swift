public func fee(_ amount: Int) -> Int { amount / 100 }
