// Test support: the three-method bank of the safe-settings property (property-tests/distributed.test.ts),
// which bench/generated.ts also runs as the baseline of a generated case; and the bank with opening
// balances that tests/restate.test.ts and bench/restate.ts run on Restate.

export const bankSource = `
entity Account {
  key id: int
  balance: int = 10
  fn deposit(amount: int): int {
    self.balance = self.balance + amount
    return self.balance
  }
  fn withdraw(amount: int) {
    if self.balance < amount { abort "insufficient funds" }
    self.balance = self.balance - amount
  }
  fn transfer(to: Account, amount: int): int {
    self.withdraw(amount)
    return to.deposit(amount)
  }
}
`;

/** Accounts opened with a balance (`new Account(k) with (opening)`): transfers on Restate, in its test and its benchmark. */
export const openingBankSource = `
entity Account {
  key id: int
  balance: int = 0
  init(opening: int) { self.balance = opening }
  fn deposit(amount: int) { self.balance = self.balance + amount }
  fn withdraw(amount: int) {
    if amount > self.balance { abort "insufficient funds" }
    self.balance = self.balance - amount
  }
  fn transfer(to: Account, amount: int) {
    to.deposit(amount)
    self.withdraw(amount)
  }
}

entity Ping {
  key id: int
  fn bounce(n: int, other: Ping): int {
    if n == 0 { return 0 }
    return 1 + other.bounce(n - 1, self)
  }
}
`;
