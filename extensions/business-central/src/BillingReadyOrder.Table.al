// The order is delivered and may be invoiced (contracts/business-central/extension-pages.json, billingReadyOrders).
// What happens next is the customer's choice: subscribe to this table's inserts (OnAfterInsertEvent) to release a
// billing block or create the invoice.
table 50101 "LSYNC Billing Ready Order"
{
    Caption = 'logistics-sync Billing-Ready Order';
    DataClassification = CustomerContent;

    fields
    {
        field(1; "Entry No."; Integer) { Caption = 'Entry No.'; AutoIncrement = true; }
        field(2; "Order No."; Code[20]) { Caption = 'Order No.'; TableRelation = "Sales Header"."No." where("Document Type" = const(Order)); ValidateTableRelation = false; }
        field(3; "Shipment No."; Text[50]) { Caption = 'Shipment No.'; }
        field(4; "POD Document Id"; Text[100]) { Caption = 'Proof of Delivery Document Id'; }
        field(5; "Delivered At"; DateTime) { Caption = 'Delivered At'; }
        field(6; "Idempotency Key"; Text[100]) { Caption = 'Idempotency Key'; }
    }

    keys
    {
        key(PK; "Entry No.") { Clustered = true; }
        key(Idempotency; "Idempotency Key") { }
        key(Order; "Order No.") { }
    }
}
