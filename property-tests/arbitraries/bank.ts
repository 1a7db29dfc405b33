// Test support: the three-method bank of the safe-settings property (property-tests/distributed.test.ts),
// which bench/generated.ts also runs as the baseline of a generated case.

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
