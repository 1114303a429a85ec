// A customer's logistics contract (contracts/business-central/extension-pages.json, customerContracts): kept by the
// customer's staff in BC; logistics-sync reads it. Zero in a number field means "not agreed".
table 50103 "LSYNC Customer Contract"
{
    Caption = 'logistics-sync Customer Contract';
    DataClassification = CustomerContent;

    fields
    {
        field(1; "Customer No."; Code[20]) { Caption = 'Customer No.'; TableRelation = Customer."No."; }
        field(2; "Contract No."; Text[50]) { Caption = 'Contract No.'; }
        field(3; "Product Category"; Text[50]) { Caption = 'Product Category'; }
        field(4; "Has Temperature Range"; Boolean) { Caption = 'Has Temperature Range'; }
        field(5; "Min. Celsius"; Decimal) { Caption = 'Min. Temperature (°C)'; DecimalPlaces = 0 : 1; }
        field(6; "Max. Celsius"; Decimal) { Caption = 'Max. Temperature (°C)'; DecimalPlaces = 0 : 1; }
        field(7; "Delivery Window Hours"; Integer) { Caption = 'Delivery Window (hours)'; MinValue = 0; }
        field(8; "Exception Response Minutes"; Integer) { Caption = 'Exception Response (minutes)'; MinValue = 0; }
        field(9; "Account Team Email"; Text[80]) { Caption = 'Account Team Email'; ExtendedDatatype = EMail; }
        field(10; "Excursion Penalty %"; Decimal) { Caption = 'Temperature Excursion Penalty %'; MinValue = 0; MaxValue = 100; }
        field(11; "Delay Penalty %"; Decimal) { Caption = 'Delay Penalty %'; MinValue = 0; MaxValue = 100; }
        field(12; "Failed Delivery Penalty %"; Decimal) { Caption = 'Failed Delivery Penalty %'; MinValue = 0; MaxValue = 100; }
        field(13; "Damage Penalty %"; Decimal) { Caption = 'Damage Penalty %'; MinValue = 0; MaxValue = 100; }
        field(14; "Penalty Cap %"; Decimal) { Caption = 'Penalty Cap %'; MinValue = 0; MaxValue = 100; }
    }

    keys
    {
        key(PK; "Customer No.") { Clustered = true; }
    }
}
